"""The roster changes staff make on their own pages, inside the access policy.

A clinician adds their own clients ahead of a first session and discharges them; a
supervisor does the same for their team and moves a client between the clinicians they
supervise. Anyone else, or any client outside the caller's scope, is NotFound.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fic.domain.answers import N_
from fic.errors import InvalidRequest, NotFound
from fic.services.clients import roster
from fic.services.core import access
from fic.services.core.access import Actor
from fic.storage import repository
from fic.storage.db import Database


@dataclass(frozen=True)
class RosterState:
    discharged: bool
    assignable: list[str]


def roster_state(db: Database, actor: Actor, client_id: uuid.UUID) -> RosterState:
    """What the course page offers: discharged or not, and whom the client may move to."""
    with db.session() as session:
        client = access.client(session, actor, client_id)
        return RosterState(client.discharged_at is not None, assignable(session, actor))


def assignable(session: Session, actor: Actor) -> list[str]:
    """The clinicians this person may give a client to."""
    if actor.role == "supervisor":
        return [s.email for s in repository.supervisees(session, actor.staff_id)
                if s.role == "clinician"]
    return [actor.email] if actor.role == "clinician" else []


def add(session: Session, actor: Actor, client_ref: str, clinician_email: str | None) -> str:
    if not actor.may("caseload"):
        raise NotFound("not available to this role")
    email = (clinician_email or actor.email).strip().lower()
    if email not in assignable(session, actor):
        raise InvalidRequest.about("clinician", N_("not one of the clinicians you may assign"))
    if repository.client_by_ref(session, actor.clinic_id, client_ref) is not None:
        raise InvalidRequest.about("client_ref", N_("that client is here already"))
    view, _ = roster.upsert(session, actor.clinic_id, client_ref, email,
                            roster.Who(actor_id=actor.staff_id))
    return str(view.id)


def reassign(session: Session, actor: Actor, client_id: uuid.UUID, clinician_email: str) -> None:
    access.client(session, actor, client_id)
    if actor.role != "supervisor":
        raise InvalidRequest.about("clinician", N_("ask your supervisor to move a client"))
    if clinician_email.strip().lower() not in assignable(session, actor):
        raise InvalidRequest.about("clinician", N_("not one of the clinicians you supervise"))
    roster.reassign(session, actor.clinic_id, client_id, clinician_email,
                    roster.Who(actor_id=actor.staff_id))


def discharge(session: Session, actor: Actor, client_id: uuid.UUID) -> None:
    access.client(session, actor, client_id)
    roster.discharge(session, actor.clinic_id, client_id, roster.Who(actor_id=actor.staff_id))
