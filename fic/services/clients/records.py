"""What an API caller reads about a clinic's clients: sessions, responses, alerts, episodes,
staff. Plain values only; every id is looked up inside the caller's clinic (else NotFound)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from fic.errors import InvalidRequest, NotFound
from fic.services.clients.roster import get_client
from fic.services.core import access
from fic.storage.models import (
    Alert,
    Client,
    Episode,
    FeedbackLink,
    Response,
    Staff,
    TherapySession,
    utcnow,
)


@dataclass(frozen=True)
class SessionView:
    id: uuid.UUID
    client_id: uuid.UUID
    client_ref: str
    clinician: str
    held_at: datetime
    status: str  # open (a live link) | answered | closed (cancelled or expired)
    external_ref: str | None


@dataclass(frozen=True)
class ResponseView:
    id: uuid.UUID
    session_id: uuid.UUID
    client_id: uuid.UUID
    held_at: datetime
    submitted_at: datetime
    instruments: list[str]
    answers: dict[str, int]


@dataclass(frozen=True)
class AlertView:
    id: uuid.UUID
    client_id: uuid.UUID
    client_ref: str
    response_id: uuid.UUID
    rule: str
    level: str
    episode: int | None
    created_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class EpisodeView:
    number: int
    state: str
    opened_session_id: uuid.UUID
    closed_session_id: uuid.UUID | None
    escalated_session_id: uuid.UUID | None
    rules: list[str]


@dataclass(frozen=True)
class StaffView:
    id: uuid.UUID
    email: str
    role: str
    supervisor: str | None


def session_view(session: Session, clinic_id: uuid.UUID, session_id: uuid.UUID) -> SessionView:
    therapy = access.api_session(session, clinic_id, session_id)
    client = session.get(Client, therapy.client_id)
    clinician = session.get(Staff, therapy.clinician_id)
    assert client is not None and clinician is not None  # noqa: S101 - foreign keys
    return SessionView(
        therapy.id,
        client.id,
        client.client_ref,
        clinician.email,
        therapy.held_at,
        _status(session, therapy.id),
        therapy.external_ref,
    )


def cancel_session(session: Session, clinic_id: uuid.UUID, session_id: uuid.UUID) -> SessionView:
    """The session did not happen after all: its open links die. An answered one stays."""
    access.api_session(session, clinic_id, session_id)
    if _answered(session, session_id):
        raise InvalidRequest.about("session", "answered already; it cannot be cancelled")
    now = utcnow()
    session.execute(
        update(FeedbackLink)
        .where(
            FeedbackLink.session_id == session_id,
            FeedbackLink.used_at.is_(None),
            FeedbackLink.expires_at > now,
        )
        .values(expires_at=now)
    )
    return session_view(session, clinic_id, session_id)


def responses_of(
    session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID
) -> list[ResponseView]:
    get_client(session, clinic_id, client_id)
    rows = session.execute(
        select(Response, TherapySession)
        .join(TherapySession, Response.session_id == TherapySession.id)
        .options(selectinload(Response.answers))
        .where(TherapySession.client_id == client_id)
        .order_by(TherapySession.held_at, TherapySession.created_at)
    ).all()
    return [_response(r, t) for r, t in rows]


def response_view(session: Session, clinic_id: uuid.UUID, response_id: uuid.UUID) -> ResponseView:
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound("no such response")
    access.api_session(session, clinic_id, response.session_id)
    therapy = session.get(TherapySession, response.session_id)
    assert therapy is not None  # noqa: S101 - foreign key
    return _response(response, therapy)


def alerts(
    session: Session,
    clinic_id: uuid.UUID,
    *,
    cursor: str | None = None,
    limit: int = 50,
    level: str | None = None,
    rule: str | None = None,
    acknowledged: bool | None = None,
    client_id: uuid.UUID | None = None,
    since: datetime | None = None,
) -> tuple[list[AlertView], str | None]:
    """Newest first; `cursor` is the id of the last alert of the previous page."""
    query = (
        select(Alert, Client)
        .join(Client, Client.id == Alert.client_id)
        .where(Client.clinic_id == clinic_id)
    )
    if level:
        query = query.where(Alert.level == level)
    if rule:
        query = query.where(Alert.rule == rule)
    if acknowledged is not None:
        query = query.where(
            Alert.acknowledged_at.is_not(None) if acknowledged else Alert.acknowledged_at.is_(None)
        )
    if client_id:
        query = query.where(Alert.client_id == client_id)
    if since:
        query = query.where(Alert.created_at >= since)
    if cursor:
        last = _last_alert(session, clinic_id, cursor)
        query = query.where(
            (Alert.created_at < last.created_at)
            | ((Alert.created_at == last.created_at) & (Alert.id < last.id))
        )
    rows = session.execute(
        query.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit + 1)
    ).all()
    items = [_alert(row[0], row[1]) for row in rows[:limit]]
    return items, (str(items[-1].id) if len(rows) > limit else None)


def alert_view(session: Session, clinic_id: uuid.UUID, alert_id: uuid.UUID) -> AlertView:
    found = access.api_alert(session, clinic_id, alert_id)
    client = session.get(Client, found.client_id)
    assert client is not None  # noqa: S101 - foreign key
    return _alert(found, client)


def episodes_of(session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID) -> list[EpisodeView]:
    get_client(session, clinic_id, client_id)
    rows = session.scalars(
        select(Episode).where(Episode.client_id == client_id).order_by(Episode.number)
    ).all()
    return [
        EpisodeView(
            e.number,
            e.state,
            e.opened_session_id,
            e.closed_session_id,
            e.escalated_session_id,
            list(e.rules),
        )
        for e in rows
    ]


def staff_of(session: Session, clinic_id: uuid.UUID, role: str | None = None) -> list[StaffView]:
    query = select(Staff).where(Staff.clinic_id == clinic_id)
    if role:
        query = query.where(Staff.role == role)
    rows = session.scalars(query.order_by(Staff.email)).all()
    emails = {s.id: s.email for s in rows}
    return [
        StaffView(s.id, s.email, s.role, emails.get(s.supervisor_id) if s.supervisor_id else None)
        for s in rows
    ]


def _last_alert(session: Session, clinic_id: uuid.UUID, cursor: str) -> Alert:
    try:
        return access.api_alert(session, clinic_id, uuid.UUID(cursor))
    except (ValueError, NotFound):
        raise InvalidRequest.about(
            "cursor", "pass back the next_cursor of the previous page") from None


def _answered(session: Session, session_id: uuid.UUID) -> bool:
    return session.scalar(select(Response.id).where(Response.session_id == session_id)) is not None


def _status(session: Session, session_id: uuid.UUID) -> str:
    if _answered(session, session_id):
        return "answered"
    live = session.scalar(
        select(FeedbackLink.id)
        .where(
            FeedbackLink.session_id == session_id,
            FeedbackLink.used_at.is_(None),
            FeedbackLink.expires_at > utcnow(),
        )
        .limit(1)
    )
    return "open" if live is not None else "closed"


def _response(response: Response, therapy: TherapySession) -> ResponseView:
    return ResponseView(
        response.id,
        therapy.id,
        therapy.client_id,
        therapy.held_at,
        response.submitted_at,
        list(response.instruments),
        dict(response.values),
    )


def _alert(found: Alert, client: Client) -> AlertView:
    return AlertView(
        found.id,
        client.id,
        client.client_ref,
        found.response_id,
        found.rule,
        found.level,
        found.episode,
        found.created_at,
        found.acknowledged_at,
    )
