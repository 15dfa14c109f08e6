"""Evaluate one response against the client's own history and record what it raises."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fic.domain.instruments import Instrument
from fic.domain.ruptures import PUSHED, Policy, Signal, Visit, assess
from fic.instruments import load
from fic.services import outbox
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Alert, Response, TherapySession

NOTIFY = "fic.notify_alert"


def evaluate_response(db: Database, response_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    """Create this response's alerts once; returns the outbox ids of the notifications."""
    with db.session() as session:
        response = session.get(Response, response_id)
        if response is None:
            return ()
        therapy_id = response.session_id
        course = repository.course(session, _client_id(session, response))
        instrument = load(response.instrument)
        visits = visits_of(course.sessions, instrument)
        number = next(i for i, (s, _) in enumerate(course.sessions, 1) if s.id == therapy_id)
        signals = [s for s in assess(visits, instrument, Policy()) if s.number == number]
        return tuple(
            outbox.add(session, NOTIFY, alert.id)
            for alert in _record(session, course.client.id, response, signals)
            if alert.level in PUSHED
        )


def visits_of(
    sessions: Sequence[tuple[object, Response | None]], instrument: Instrument
) -> list[Visit]:
    visits = []
    for number, (_, response) in enumerate(sessions, 1):
        answers = {a.item: a.value for a in response.answers} if response else {}
        items = {i: instrument.points(i, answers[i]) for i in instrument.total if i in answers}
        visits.append(Visit(number, instrument.total_of(answers) if response else None, items))
    return visits


def _client_id(session: Session, response: Response) -> uuid.UUID:
    client_id = session.scalar(
        select(TherapySession.client_id).where(TherapySession.id == response.session_id)
    )
    assert client_id is not None  # noqa: S101 - foreign key
    return client_id


def _record(
    session: Session, client_id: uuid.UUID, response: Response, signals: Sequence[Signal]
) -> list[Alert]:
    """Insert each signal's alert unless it exists; a redelivered task inserts nothing."""
    created = []
    for signal in signals:
        key = f"{response.session_id}:{signal.rule}:{signal.level}"
        if session.scalar(select(Alert.id).where(Alert.dedupe_key == key)) is not None:
            continue
        alert = Alert(
            id=uuid.uuid4(),
            dedupe_key=key,
            client_id=client_id,
            response_id=response.id,
            rule=signal.rule,
            level=signal.level,
        )
        try:
            with session.begin_nested():
                session.add(alert)
        except IntegrityError:
            continue  # a concurrent run of the same job got there first
        created.append(alert)
    return created
