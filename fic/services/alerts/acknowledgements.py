"""Acknowledge an alert and record the repair: the one place that closes an alert.

Called from the staff alert inbox, the API, the CLI and the signed link in alert emails.
Idempotent: the first acknowledgement wins and every later call returns it unchanged, so a
double click or a retried API call records nothing twice. The note is sealed under the
client's own data key, bound to the acknowledgement row. Staff outside the alert's clinic,
a clinician who is not the client's, or a supervisor who is not that clinician's, get
NotFound, exactly like an unknown alert.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding
from fic.errors import InvalidRequest, NotFound
from fic.services.core import access, audit, vault
from fic.services.core.access import Actor
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Alert, Client, Staff
from fic.storage.models_delivery import Acknowledgement
from fic.storage.models_staff import StaffCredential

REPAIR_ACTIONS = (
    "talked_in_session",
    "adjusted_approach",
    "changed_goals",
    "consulted_supervisor",
    "referred",
    "other",
)
VIA = ("web", "api", "cli", "link")
NOTE_MAX_CHARS = 2000


@dataclass(frozen=True)
class StaffByEmail:
    """Who acts, named by email (the API, the CLI); within `clinic_id` when it is given, and
    then the alert must be that clinic's too (an API key's clinic)."""

    email: str
    clinic_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None  # the API key that made the call, for the audit row


def acknowledge(
    db: Database,
    keys: KeyRing,
    alert_id: uuid.UUID,
    staff: uuid.UUID | StaffByEmail,
    action: str,
    note: str | None,
    now: datetime,
    via: str = "web",
) -> Acknowledgement:
    """Record that `staff` acted on the alert, in one transaction with its audit row.

    A second call returns the first record and writes nothing, whoever makes it.
    """
    if action not in REPAIR_ACTIONS:
        raise InvalidRequest.about("action", f"must be one of {', '.join(REPAIR_ACTIONS)}")
    if via not in VIA:
        raise InvalidRequest.about("via", f"must be one of {', '.join(VIA)}")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX_CHARS:
        raise InvalidRequest.about("note", f"at most {NOTE_MAX_CHARS} characters")
    named = isinstance(staff, StaffByEmail)
    with db.session() as session:
        staff_id = _staff_id(session, alert_id, staff)
        try:
            alert, client = _alert_in_scope(session, alert_id, staff_id)
        except NotFound:
            if not named:
                raise
            # The alert is the caller's (checked above); the person named may not act on it.
            raise InvalidRequest.about(
                "staff", "that staff member may not act on this alert") from None
        existing = acknowledgement_of(session, alert.id)
        if existing is not None:
            return existing
        ack, created = _record(session, keys, alert, client, staff_id, action, note, now, via)
        if created:
            key = staff.api_key_id if isinstance(staff, StaffByEmail) else None
            audit.record(session, "alert_acknowledged", actor_id=staff_id,
                         clinic_id=client.clinic_id, object_type="alert", object_id=alert.id,
                         outcome=action, at=now, via=f"api:{key}" if key else via)
        return ack


def _staff_id(
    session: Session, alert_id: uuid.UUID, staff: uuid.UUID | StaffByEmail
) -> uuid.UUID:
    if isinstance(staff, uuid.UUID):
        return staff
    if staff.clinic_id is None:
        return repository.staff_by_email(session, staff.email).id
    access.api_alert(session, staff.clinic_id, alert_id)
    try:
        return repository.staff_by_email(session, staff.email, staff.clinic_id).id
    except NotFound:
        raise InvalidRequest.about("staff", "no staff member with that email here") from None


def _record(
    session: Session, keys: KeyRing, alert: Alert, client: Client, staff_id: uuid.UUID,
    action: str, note: str | None, now: datetime, via: str,
) -> tuple[Acknowledgement, bool]:
    """The new acknowledgement and True; or, if a concurrent one won, that one and False."""
    ack = Acknowledgement(
        id=uuid.uuid4(),
        alert_id=alert.id,
        staff_id=staff_id,
        action=action,
        acknowledged_at=now,
        seconds_to_ack=max(0, int((now - alert.created_at).total_seconds())),
        via=via,
    )
    if note is not None:
        ack.note_ct = vault.seal(keys, client, note, note_binding(ack.id))
    try:
        with session.begin_nested():
            session.add(ack)
    except IntegrityError:
        # A concurrent acknowledgement got there first; it is the one that counts.
        winner = acknowledgement_of(session, alert.id)
        assert winner is not None  # noqa: S101 - the unique constraint just said so
        return winner, False
    alert.acknowledged_at = now
    return ack, True


def acknowledgement_of(session: Session, alert_id: uuid.UUID) -> Acknowledgement | None:
    return session.scalar(select(Acknowledgement).where(Acknowledgement.alert_id == alert_id))


def note_of(session: Session, keys: KeyRing, ack: Acknowledgement) -> str | None:
    """The decrypted note (for the staff pages); None when there is none."""
    if ack.note_ct is None:
        return None
    alert = session.get(Alert, ack.alert_id)
    client = session.get(Client, alert.client_id) if alert else None
    if client is None:
        raise NotFound("no such alert")
    return vault.unseal(keys, client, ack.note_ct, note_binding(ack.id))


def note_binding(ack_id: uuid.UUID) -> bytes:
    return binding("acknowledgement", "note", ack_id)


def _alert_in_scope(
    session: Session, alert_id: uuid.UUID, staff_id: uuid.UUID
) -> tuple[Alert, Client]:
    """The alert, if this staff member may act on it (the one access policy decides)."""
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("no such alert")
    credential = session.get(StaffCredential, staff_id)
    if credential is not None and credential.disabled_at is not None:
        raise InvalidRequest.about("staff", "that staff member's account is disabled")
    if staff.role == "admin":
        raise InvalidRequest.about("staff", "only clinicians and supervisors acknowledge alerts")
    alert = access.alert(session, Actor(staff.id, staff.clinic_id, staff.role, staff.email),
                         alert_id)
    client = session.get(Client, alert.client_id)
    assert client is not None  # noqa: S101 - foreign key
    return alert, client
