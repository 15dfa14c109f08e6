"""What the thank-you page needs to know, carried without telling the client anything.

After a submission the form redirects to /thanks with a note: the clinic and whether the
comment held risk language (S1, fic.domain.rules), sealed under the key ring. Every
submission gets a note of the same length, so neither the URL nor the page's shape says
what was detected; the page shows the clinic's crisis text, and nothing else changes.
"""

from __future__ import annotations

import base64
import json
import uuid

from flask_babel import gettext as _

from fic.crypto import KeyRing, binding
from fic.domain.rules import risk_language
from fic.errors import FicError, StorageUnavailable
from fic.services.clinic import policies
from fic.services.clinic.delivery_settings import delivery_policy
from fic.settings import Settings
from fic.storage.db import Database

_AAD = binding("thanks", "note", "v1")


def note_for(keys: KeyRing, settings: Settings, clinic_id: uuid.UUID,
             comment: str | None) -> str:
    """The sealed note; the submission already knows the clinic, so this reads nothing."""
    concern = risk_language(comment, policies.policy_for(settings, clinic_id))
    plain = json.dumps({"c": str(clinic_id), "h": int(concern)})
    return base64.urlsafe_b64encode(keys.seal_direct(plain, _AAD)).decode().rstrip("=")


def crisis_text(db: Database, keys: KeyRing, note: str, languages: list[str]) -> str | None:
    """The crisis text when the note says so (the clinic's own in the client's language, else
    fic's, translated); None for any other note."""
    try:
        blob = base64.urlsafe_b64decode(note[:400] + "=" * (-len(note[:400]) % 4))
        data = json.loads(keys.open_direct(blob, _AAD))
        clinic_id = uuid.UUID(data["c"]) if data["c"] else None
    except (ValueError, KeyError, TypeError, FicError):
        return None
    if not data.get("h"):
        return None
    own = None
    if clinic_id is not None:
        try:
            with db.session() as session:
                own = delivery_policy(session, clinic_id).crisis_text_for(languages)
        except StorageUnavailable:
            own = None  # the clinic's own text cannot be read just now: fic's own follows
    return own or _(
        "If you are thinking about harming yourself or feel unsafe right now, please call your "
        "local emergency number or go to the nearest emergency department. You can also "
        "contact your clinic and ask to speak to someone today.")
