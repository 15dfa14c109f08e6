"""A clinic's clients as its own systems and its staff manage them.

Reassigning moves the client to another clinician: the sessions keep the clinician who
held them (history stays), new alerts go to the new clinician, and the previous one no
longer sees the client (the access policy scopes clients by their current clinician).
Discharging ends the course: no new sessions or links; the data stays until retention.
Each change is audited in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fic.domain.answers import N_
from fic.errors import InvalidRequest, NotFound
from fic.services import keys
from fic.services.core import audit
from fic.storage import repository
from fic.storage.models import Client, Staff, TherapySession, utcnow


@dataclass(frozen=True)
class ClientView:
    id: uuid.UUID
    client_ref: str
    clinician: str
    status: str  # active | discharged | erased
    created_at: datetime
    discharged_at: datetime | None
    sessions: int


@dataclass(frozen=True)
class Page:
    items: list[ClientView]
    next_cursor: str | None


@dataclass(frozen=True)
class Who:
    """Who made a change, for the audit row: a staff member or an API key."""

    actor_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None


def clinician_named(session: Session, clinic_id: uuid.UUID, email: str) -> Staff:
    try:
        staff = repository.staff_by_email(session, email, clinic_id)
    except NotFound:
        raise InvalidRequest.about(
            "clinician", "no clinician with that email in this clinic") from None
    if staff.role != "clinician":
        raise InvalidRequest.about("clinician", N_("that staff member is not a clinician"))
    return staff


def upsert(session: Session, clinic_id: uuid.UUID, client_ref: str, clinician_email: str,
           who: Who) -> tuple[ClientView, bool]:
    """Create the client ahead of a first session, or reassign it; (view, created)."""
    clinician = clinician_named(session, clinic_id, clinician_email)
    client = repository.client_by_ref(session, clinic_id, client_ref)
    if client is None:
        client = Client(id=uuid.uuid4(), clinic_id=clinic_id, client_ref=client_ref,
                        clinician_id=clinician.id)
        session.add(client)
        session.flush()
        _audit(session, "client_created", client, who)
        return view(session, client), True
    if client.clinician_id != clinician.id:
        _require_active(client)
        client.clinician_id = clinician.id
        _audit(session, "client_reassigned", client, who)
    return view(session, client), False


def reassign(session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID,
             clinician_email: str, who: Who) -> ClientView:
    client = get_client(session, clinic_id, client_id)
    _require_active(client)
    clinician = clinician_named(session, clinic_id, clinician_email)
    if client.clinician_id != clinician.id:
        client.clinician_id = clinician.id
        _audit(session, "client_reassigned", client, who)
    return view(session, client)


def discharge(session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID,
              who: Who) -> ClientView:
    client = get_client(session, clinic_id, client_id)
    if client.discharged_at is None:
        client.discharged_at = utcnow()
        _audit(session, "client_discharged", client, who)
    return view(session, client)


def erase(session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID, who: Who) -> ClientView:
    """Crypto-shred the client's text (comments, contacts, notes); scores stay, unlinked."""
    client = get_client(session, clinic_id, client_id)
    keys.erase_client(session, clinic_id, client.client_ref)
    _audit(session, "client_erased", client, who)
    return view(session, client)


def ensure_active(client: Client) -> None:
    """What recording a session or sending a link asks first."""
    _require_active(client)


def get_client(session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID) -> Client:
    found = session.get(Client, client_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("no such client")
    return found


def id_of(session: Session, clinic_id: uuid.UUID, client_ref: str) -> uuid.UUID:
    found = repository.client_by_ref(session, clinic_id, client_ref)
    if found is None:
        raise NotFound("no client with that client_ref in this clinic")
    return found.id


def show(session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID) -> ClientView:
    return view(session, get_client(session, clinic_id, client_id))


def listing(session: Session, clinic_id: uuid.UUID, *, cursor: str | None = None,
            limit: int = 50, status: str | None = None,
            clinician_email: str | None = None) -> Page:
    """Clients in a stable order (by id), `limit` at a time; pass back `next_cursor`."""
    query = select(Client).where(Client.clinic_id == clinic_id)
    if cursor:
        query = query.where(Client.id > _cursor(cursor))
    if status == "discharged":
        query = query.where(Client.discharged_at.is_not(None))
    elif status == "active":
        query = query.where(Client.discharged_at.is_(None), Client.dek_wrapped.is_not(None))
    if clinician_email:
        query = query.join(Staff, Staff.id == Client.clinician_id).where(
            Staff.email == clinician_email.strip().lower())
    rows = session.scalars(query.order_by(Client.id).limit(limit + 1)).all()
    items = [view(session, client) for client in rows[:limit]]
    more = len(rows) > limit
    return Page(items, str(rows[limit - 1].id) if more else None)


def view(session: Session, client: Client) -> ClientView:
    clinician = session.get(Staff, client.clinician_id)
    count = session.scalar(select(func.count()).select_from(TherapySession)
                           .where(TherapySession.client_id == client.id)) or 0
    status = ("erased" if client.client_ref.startswith("erased-")
              else "discharged" if client.discharged_at else "active")
    return ClientView(client.id, client.client_ref, clinician.email if clinician else "",
                      status, client.created_at, client.discharged_at, count)


def _require_active(client: Client) -> None:
    if client.discharged_at is not None:
        raise InvalidRequest.about("client", N_("discharged; no new sessions or links"))


def _cursor(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidRequest.about(
            "cursor", "pass back the next_cursor of the previous page") from None


def _audit(session: Session, action: str, client: Client, who: Who) -> None:
    audit.record(session, action, actor_id=who.actor_id or who.api_key_id,
                 clinic_id=client.clinic_id,
                 object_type="client", object_id=client.id)
