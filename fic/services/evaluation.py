"""Evaluate one response against the client's own history and record what it raises.

The rules run over the whole stored course (fic.domain.ruptures); only the signals of this
response's session become alert rows, keyed so that a redelivered or repeated evaluation
adds nothing. Episodes are stored as the rules leave them. Only this response's comment
is decrypted (for the safety-language rule); earlier comments were heard in their turn.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fic.crypto import KeyRing
from fic.domain import ruptures
from fic.domain.instruments import Instrument
from fic.domain.ruptures import Signal, Visit, assess_course
from fic.instruments import load
from fic.services import outbox, vault
from fic.services.policies import policy_for
from fic.settings import Settings
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Alert, Client, Episode, Response, TherapySession

NOTIFY = "fic.notify_alert"
ALLIANCE, WELLBEING = "alliance", "wellbeing"


def evaluate_response(
    db: Database, keys: KeyRing, settings: Settings, response_id: uuid.UUID
) -> tuple[uuid.UUID, ...]:
    """Create this response's alerts once; returns the outbox ids of their notifications."""
    with db.session() as session:
        response = session.get(Response, response_id)
        if response is None:
            return ()
        therapy = session.get(TherapySession, response.session_id)
        assert therapy is not None  # noqa: S101 - foreign key
        course = repository.course(session, therapy.client_id)
        comment = _comment(keys, course.client, response)
        visits = visits_of(course.sessions, load(ALLIANCE), load(WELLBEING), {response.id: comment})
        result = assess_course(
            visits, load(ALLIANCE), policy_for(settings, course.client.clinic_id), load(WELLBEING)
        )
        number = next(i for i, (s, _) in enumerate(course.sessions, 1) if s.id == therapy.id)
        sessions_by_number = {i: s.id for i, (s, _) in enumerate(course.sessions, 1)}
        _store_episodes(session, course.client.id, result.episodes, sessions_by_number)
        mine = [s for s in result.signals if s.number == number]
        return tuple(
            outbox.add(session, NOTIFY, alert.id)
            for alert in _record(session, course.client.id, response, mine)
            if alert.level in ruptures.PUSHED
        )


def visits_of(
    sessions: Sequence[tuple[TherapySession, Response | None]],
    alliance: Instrument,
    wellbeing: Instrument,
    comments: dict[uuid.UUID, str | None] | None = None,
) -> list[Visit]:
    """The course as the rules see it; a session without a response is a missed form."""
    visits = []
    for number, (_, response) in enumerate(sessions, 1):
        if response is None:
            visits.append(Visit(number, None))
            continue
        values = response.values
        tension = values.get("tension")
        talked = values.get("talked_through")
        visits.append(
            Visit(
                number=number,
                total=alliance.total_of(values),
                items={i: alliance.points(i, values[i]) for i in alliance.total if i in values},
                tension=None if tension is None else alliance.item("tension").choices[tension],
                talked_through=None if talked is None else bool(talked),
                comment=(comments or {}).get(response.id),
                wellbeing=wellbeing.total_of(values),
            )
        )
    return visits


def _comment(keys: KeyRing, client: Client, response: Response) -> str | None:
    if response.comment_ct is None:
        return None
    return vault.unseal(keys, client, response.comment_ct, repository.comment_binding(response.id))


def _store_episodes(
    session: Session,
    client_id: uuid.UUID,
    episodes: Sequence[ruptures.Episode],
    sessions: dict[int, uuid.UUID],
) -> None:
    stored = {
        e.number: e for e in session.scalars(select(Episode).where(Episode.client_id == client_id))
    }
    for episode in episodes:
        row = stored.get(episode.number)
        if row is None:
            row = Episode(
                id=uuid.uuid4(),
                client_id=client_id,
                number=episode.number,
                opened_session_id=sessions[episode.opened_at],
            )
            session.add(row)
        row.state = episode.state
        row.rules = list(episode.rules)
        row.closed_session_id = sessions.get(episode.closed_at or 0)
        row.escalated_session_id = sessions.get(episode.escalated_at or 0)


def _record(
    session: Session, client_id: uuid.UUID, response: Response, signals: Sequence[Signal]
) -> list[Alert]:
    """Insert each signal's alert unless it exists; a redelivered task inserts nothing."""
    created = []
    for signal in signals:
        scope = (
            f"{client_id}:e{signal.episode}"
            if signal.episode is not None
            else str(response.session_id)
        )
        key = f"{scope}:{signal.rule}:{signal.level}"
        if session.scalar(select(Alert.id).where(Alert.dedupe_key == key)) is not None:
            continue
        alert = Alert(
            id=uuid.uuid4(),
            dedupe_key=key,
            client_id=client_id,
            response_id=response.id,
            rule=signal.rule,
            level=signal.level,
            episode=signal.episode,
        )
        try:
            with session.begin_nested():
                session.add(alert)
        except IntegrityError:
            continue  # a concurrent run of the same job got there first
        created.append(alert)
    return created
