"""Who may see what: the one access policy every staff view and every API route uses.

Roles (DESIGN.md §1):
- clinician: their own clients, those clients' sessions and alerts.
- supervisor: the clients of the clinicians they supervise, their alerts, their own reports.
- admin: the clinic's staff, invitations, API keys, settings and audit trail; no client data
  (an admin who also treats clients has a clinician account for that).

Anything outside the caller's scope is `NotFound`, exactly as if it did not exist, so an id
from another team or clinic tells the caller nothing. Views turn NotFound into a 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fic.errors import NotFound
from fic.storage.models import Alert, ApiKey, Client, Report, Staff, TherapySession
from fic.storage.models_staff import StaffToken

CLINICAL = frozenset({"clinician", "supervisor"})
# Page-level capabilities by role; object-level checks follow below.
CAPABILITIES = {
    "clinician": frozenset({"caseload", "alerts", "reports"}),
    "supervisor": frozenset({"caseload", "alerts", "team", "reports"}),
    "admin": frozenset({"admin"}),
}


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member, as plain values."""

    staff_id: uuid.UUID
    clinic_id: uuid.UUID
    role: str
    email: str
    language: str = "en"  # what their pages speak: their own choice, else the clinic's

    def may(self, capability: str) -> bool:
        return capability in CAPABILITIES.get(self.role, frozenset())



def clinicians_in_scope(actor: Actor) -> Select[uuid.UUID]:
    """Ids of the clinicians whose clients the actor may see."""
    if actor.role == "clinician":
        return select(Staff.id).where(Staff.id == actor.staff_id)
    if actor.role == "supervisor":
        return select(Staff.id).where(
            Staff.supervisor_id == actor.staff_id, Staff.clinic_id == actor.clinic_id
        )
    return select(Staff.id).where(Staff.id.is_(None))


def clients_in_scope(actor: Actor) -> Select[Client]:
    return select(Client).where(
        Client.clinic_id == actor.clinic_id,
        Client.clinician_id.in_(clinicians_in_scope(actor)),
    )


def client(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    found = session.scalar(clients_in_scope(actor).where(Client.id == client_id))
    if found is None:
        raise NotFound("no such client")
    return found


def alert(session: Session, actor: Actor, alert_id: uuid.UUID) -> Alert:
    found = session.scalar(
        select(Alert).where(
            Alert.id == alert_id,
            Alert.client_id.in_(clients_in_scope(actor).with_only_columns(Client.id)),
        )
    )
    if found is None:
        raise NotFound("no such alert")
    return found



def report(session: Session, actor: Actor, report_id: uuid.UUID) -> Report:
    """A report is its owner's alone (a client progress report also needs the client in scope)."""
    found = session.get(Report, report_id)
    if found is None or found.supervisor_id != actor.staff_id:
        raise NotFound("no such report")
    if found.client_id is not None:
        client(session, actor, found.client_id)
    return found


def staff_member(session: Session, actor: Actor, staff_id: uuid.UUID) -> Staff:
    """Admins manage the staff of their own clinic."""
    found = session.get(Staff, staff_id)
    if found is None or actor.role != "admin" or found.clinic_id != actor.clinic_id:
        raise NotFound("no such staff member")
    return found


def api_key(session: Session, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    found = session.get(ApiKey, key_id)
    if found is None or actor.role != "admin" or found.clinic_id != actor.clinic_id:
        raise NotFound("no such API key")
    return found


def invitation(session: Session, actor: Actor, token_id: uuid.UUID) -> StaffToken:
    found = session.get(StaffToken, token_id)
    if found is None or found.purpose != "invite":
        raise NotFound("no such invitation")
    staff_member(session, actor, found.staff_id)
    return found


# The JSON API: an API key speaks for its whole clinic, and for nothing outside it.


def api_client(session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID) -> Client:
    found = session.get(Client, client_id)
    if found is None or found.clinic_id != clinic_id:
        raise NotFound("no such client")
    return found


def api_alert(session: Session, clinic_id: uuid.UUID, alert_id: uuid.UUID) -> Alert:
    found = session.get(Alert, alert_id)
    if found is None:
        raise NotFound("no such alert")
    api_client(session, clinic_id, found.client_id)
    return found


def api_session(session: Session, clinic_id: uuid.UUID, session_id: uuid.UUID) -> TherapySession:
    found = session.get(TherapySession, session_id)
    if found is None:
        raise NotFound("no such session")
    api_client(session, clinic_id, found.client_id)
    return found



def api_report(session: Session, clinic_id: uuid.UUID, report_id: uuid.UUID) -> Report:
    found = session.get(Report, report_id)
    supervisor = session.get(Staff, found.supervisor_id) if found else None
    if found is None or supervisor is None or supervisor.clinic_id != clinic_id:
        raise NotFound("no such report")
    return found
