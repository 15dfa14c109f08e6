"""The inbound "session ended" webhook, for EHRs that push rather than call.

The EHR signs the raw body exactly as fic signs its own webhooks:
`Fic-Signature: t=<unix time>,v1=<hex HMAC-SHA256(clinic secret, "<t>." + body)>`.
fic refuses a signature that does not verify, a timestamp more than five minutes from its
clock, and an `event_id` it has accepted before (a replay within the window). Failures all
look the same to the caller. Accepting an event records the session and sends the link,
exactly as POST /api/v1/sessions does.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding
from fic.delivery.webhooks import SIGNATURE_HEADER, verify
from fic.errors import FicError, InvalidRequest
from fic.services.core import audit, outbox
from fic.services.delivery import link_messages
from fic.services.forms import links
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Clinic
from fic.storage.models_integration import InboundEvent, InboundSecret

__all__ = ["SIGNATURE_HEADER", "Accepted", "BadSignature", "Replayed", "accept", "check",
           "set_secret"]


@dataclass(frozen=True)
class Accepted:
    session_id: uuid.UUID
    expires_at: datetime
    channels: list[str]
    outbox_ids: tuple[uuid.UUID, ...]


class BadSignature(FicError):
    """Unknown clinic, no secret, a signature that does not verify, or a stale timestamp."""


class Replayed(FicError):
    """This event id was accepted before."""


def set_secret(session: Session, keys: KeyRing, clinic_id: uuid.UUID) -> str:
    """A new signing secret for the clinic's EHR (shown once); the old one stops at once."""
    secret = "whin_" + secrets.token_urlsafe(32)
    row = session.get(InboundSecret, clinic_id) or InboundSecret(clinic_id=clinic_id)
    row.secret_ct = keys.seal_direct(secret, secret_binding(clinic_id))
    session.add(row)
    return secret


def check(db: Database, keys: KeyRing, clinic_id: uuid.UUID, header: str, body: bytes) -> None:
    with db.session() as session:
        row = session.get(InboundSecret, clinic_id)
        secret = keys.open_direct(row.secret_ct, secret_binding(clinic_id)) if row else None
    if secret is None or not verify(secret, header, body):
        raise BadSignature("signature")


def accept(session: Session, settings: Settings, keys: KeyRing, clinic_id: uuid.UUID, *,
           event_id: str, client_ref: str, clinician: str, held_at: datetime,
           email: str | None, phone: str | None) -> Accepted:
    """Record the session, remember the event, queue the link to every contact given."""
    if not email and not phone:
        raise InvalidRequest.about("contact", "an email or a phone number to send the link to")
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise BadSignature("clinic")
    made = links.record_session(session, settings, keys, clinic, client_ref, clinician,
                                held_at, email)
    _record_event(session, clinic_id, event_id, made.link.session_id)
    audit.record(session, "inbound_session", clinic_id=clinic_id, object_type="session",
                 object_id=made.link.session_id)
    jobs, channels = list(made.outbox_ids), ["email"] if email else []
    if phone:
        link_messages.add_phone(session, keys, made.link.session_id, phone)
        jobs.append(outbox.add(session, "fic.deliver_link_sms", made.link.session_id))
        channels.append("sms")
    return Accepted(made.link.session_id, made.link.expires_at, channels, tuple(jobs))


def _record_event(session: Session, clinic_id: uuid.UUID, event_id: str,
                  session_id: uuid.UUID) -> None:
    """Inside the transaction that records the session: a second delivery finds this row."""
    session.add(InboundEvent(id=uuid.uuid4(), clinic_id=clinic_id, event_id=event_id,
                             session_id=session_id))
    try:
        session.flush()
    except IntegrityError:
        raise Replayed("event_id") from None


def secret_binding(clinic_id: uuid.UUID) -> bytes:
    return binding("inbound_secret", "secret", clinic_id)
