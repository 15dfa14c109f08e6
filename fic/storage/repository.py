"""Intent-named finders several services share: a clinic or staff member by name, a client's
course, supervisees, and the row bindings that seal a client's text."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select, tuple_
from sqlalchemy.orm import Session, aliased, selectinload

from fic.crypto import binding
from fic.errors import NotFound
from fic.storage.models import (
    Client,
    Clinic,
    FeedbackLink,
    Response,
    Staff,
    TherapySession,
)


@dataclass(frozen=True)
class SessionHistory:
    """A client's sessions in order, each with its response if one came back."""

    client: Client
    sessions: Sequence[tuple[TherapySession, Response | None]]


def clinic_named(session: Session, name: str) -> Clinic:
    """A clinic by its name or by the id `fic clinic create` printed."""
    clinic = session.scalar(select(Clinic).where(Clinic.name == name))
    if clinic is None:
        try:
            clinic = session.get(Clinic, uuid.UUID(name.strip()))
        except ValueError:
            clinic = None
    if clinic is None:
        raise NotFound(f"no clinic called {name!r}")
    return clinic


def staff_by_email(session: Session, email: str, clinic_id: uuid.UUID | None = None) -> Staff:
    query = select(Staff).where(Staff.email == email.strip().lower())
    if clinic_id is not None:
        query = query.where(Staff.clinic_id == clinic_id)
    staff = session.scalar(query)
    if staff is None:
        raise NotFound("no staff member with that email")
    return staff


def client_by_ref(session: Session, clinic_id: uuid.UUID, client_ref: str) -> Client | None:
    return session.scalar(
        select(Client).where(Client.clinic_id == clinic_id, Client.client_ref == client_ref)
    )


def live_link(session: Session, token_hash: str, now: datetime) -> FeedbackLink | None:
    return session.scalar(
        select(FeedbackLink).where(
            FeedbackLink.token_hash == token_hash,
            FeedbackLink.used_at.is_(None),
            FeedbackLink.expires_at > now,
        )
    )


def course(session: Session, client_id: uuid.UUID) -> SessionHistory:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("no such client")
    rows = session.execute(
        select(TherapySession, Response)
        .outerjoin(Response, Response.session_id == TherapySession.id)
        .options(selectinload(Response.answers))
        .where(TherapySession.client_id == client_id)
        .order_by(TherapySession.held_at, TherapySession.created_at)
    ).all()
    return SessionHistory(client=client, sessions=[(row[0], row[1]) for row in rows])


def session_index(
    session: Session, client_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
    """(session id, response id or None) for each of a client's sessions, in course order."""
    return [
        (row[0], row[1])
        for row in session.execute(
            select(TherapySession.id, Response.id)
            .outerjoin(Response, Response.session_id == TherapySession.id)
            .where(TherapySession.client_id == client_id)
            .order_by(TherapySession.held_at, TherapySession.created_at)
        )
    ]


def sessions_from(
    session: Session, client_id: uuid.UUID, first_id: uuid.UUID
) -> tuple[int, list[tuple[uuid.UUID, uuid.UUID | None]]] | None:
    """How many sessions come before `first_id` in course order, and session_index's rows
    from it on; None if it is not one of the client's sessions. One statement."""
    rows = session.execute(_sessions_from(), {"client": client_id, "first": first_id}).all()
    if not rows:
        return None
    return int(rows[0][2] or 0), [(row[0], row[1]) for row in rows]


@functools.cache
def _sessions_from() -> Select[Any]:
    """Built once: the worker runs it for every form (building it costs more than running)."""
    first, older = aliased(TherapySession), aliased(TherapySession)
    client_id = bindparam("client", type_=TherapySession.client_id.type)
    place = tuple_(TherapySession.held_at, TherapySession.created_at)
    mark = tuple_(first.held_at, first.created_at)
    before = (
        select(func.count()).select_from(older)
        .where(older.client_id == client_id, tuple_(older.held_at, older.created_at) < mark)
        .correlate(first).scalar_subquery()
    )
    return (
        select(TherapySession.id, Response.id, before)
        .select_from(first)
        .join(TherapySession, and_(TherapySession.client_id == first.client_id, place >= mark))
        .outerjoin(Response, Response.session_id == TherapySession.id)
        .where(first.id == bindparam("first", type_=TherapySession.id.type),
               first.client_id == client_id)
        .order_by(TherapySession.held_at, TherapySession.created_at)
    )


def supervisees(session: Session, supervisor_id: uuid.UUID) -> Sequence[Staff]:
    return session.scalars(
        select(Staff).where(Staff.supervisor_id == supervisor_id).order_by(Staff.email)
    ).all()


def comment_binding(response_id: uuid.UUID) -> bytes:
    return binding("response", "comment", response_id)


def contact_binding(session_id: uuid.UUID) -> bytes:
    return binding("therapy_session", "contact_email", session_id)


def client_key_owner(client_id: uuid.UUID) -> bytes:
    return binding("client", "dek", client_id)
