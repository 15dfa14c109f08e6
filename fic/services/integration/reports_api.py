"""A report's PDF for the API: the clinic's own reports only, still passphrase-encrypted,
and each download audited under the key that fetched it."""

from __future__ import annotations

import uuid

from fic.crypto import KeyRing
from fic.services.core import audit
from fic.services.reports import lifecycle, requests
from fic.storage.db import Database


def download(db: Database, keys: KeyRing, clinic_id: uuid.UUID, report_id: uuid.UUID,
             key_id: uuid.UUID) -> bytes:
    requests.api_report(db, clinic_id, report_id)  # NotFound outside the clinic
    pdf = lifecycle.stored_pdf(db, keys, report_id)
    audit.write(db, "report_downloaded", actor_id=key_id, clinic_id=clinic_id,
                object_type="report", object_id=report_id)
    return pdf
