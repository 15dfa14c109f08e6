"""'Send a form now' from the client course page: a new session's link by email, SMS or QR.

One use case in one transaction: the session is recorded as held now, the link goes out the
way the clinician chose (shown in the room, or queued for SMS or email; the number or
address sealed with the client's key, never queued), and a `link_sent` audit row is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from fic.crypto import KeyRing
from fic.domain.answers import N_
from fic.errors import InvalidRequest
from fic.services.core import access, audit, outbox
from fic.services.core.access import Actor
from fic.services.core.outbox import Publisher
from fic.services.delivery import link_messages
from fic.services.forms import links, room
from fic.services.forms.room import InRoom
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Clinic, Staff

CHANNELS = ("room", "kiosk", "sms", "email")
KIOSK_LINK_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Asked:
    client_ref: str
    timezone: str
    shown: InRoom | None  # the QR code and short code, when the link is shown in the room
    kiosk_token: str | None = None  # kiosk mode: the link this browser now shows the client


def ask_now(
    db: Database, settings: Settings, keys: KeyRing, publish: Publisher, actor: Actor,
    client_id: uuid.UUID, channel: str, email: str, phone: str, now: datetime,
) -> Asked:
    """In kiosk mode the caller signs the staff member out of the device (it is the client's
    until the form is sent) and hands it the returned token."""
    with db.session() as session:
        client = access.client(session, actor, client_id)
        if channel not in CHANNELS:
            raise InvalidRequest.about("channel", N_("choose the room, SMS or email"))
        clinic = session.get(Clinic, client.clinic_id)
        clinician = session.get(Staff, client.clinician_id)
        assert clinic is not None and clinician is not None  # noqa: S101 - foreign keys
        made = links.record_session(session, settings, keys, clinic, client.client_ref,
                                    clinician.email, now,
                                    email.strip() if channel == "email" else None)
        jobs_written = list(made.outbox_ids)
        shown, kiosk_token = None, None
        if channel == "sms":
            link_messages.add_phone(session, keys, made.link.session_id, phone)
            jobs_written.append(outbox.add(session, links.DELIVER_LINK_SMS,
                                           made.link.session_id))
        elif channel == "room":
            shown = room.open_in_room(session, settings, made.link.session_id, now,
                                      settings.room_code_minutes)
        elif channel == "kiosk":
            issued = links.issue_link(session, settings, made.link.session_id, "kiosk",
                                      KIOSK_LINK_LIFETIME)
            kiosk_token = issued.url.rsplit("/", 1)[1]
        audit.record(session, "link_sent", actor_id=actor.staff_id, clinic_id=clinic.id,
                     object_type="session", object_id=made.link.session_id, at=now)
        asked = Asked(client.client_ref, clinic.timezone, shown, kiosk_token)
    outbox.flush(db, publish, jobs_written)
    return asked
