"""Evaluate one response against the client's own history and record what it raises.

The rules (fic.domain.ruptures) fold the client's course visit by visit; only the signals
of this response's session become alert rows, keyed so that a redelivered or repeated
evaluation adds nothing. Episodes are stored as the rules leave them. Only this response's
comment is decrypted (for the safety-language rule); earlier comments were heard in turn.

Where the rules stood after the latest answered session is kept (CourseState), so the
usual case — the next session's form — continues from there instead of re-reading years
of history; anything else (a form answered out of order, a changed policy) folds the whole
course again, with the same result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from fic import jobs
from fic.crypto import KeyRing
from fic.domain import ruptures
from fic.domain.instruments import Instrument
from fic.domain.ruptures import Policy, Signal, Tracker, Visit
from fic.instruments import ALLIANCE, WELLBEING, load
from fic.services.clinic.policies import policy_for
from fic.services.core import outbox, vault
from fic.settings import Settings
from fic.storage import counts, repository
from fic.storage.db import Database, table, upsert
from fic.storage.models import (
    Alert,
    Client,
    Episode,
    Response,
    TherapySession,
    utcnow,
)
from fic.storage.models_course import CourseState

NOTIFY = jobs.NOTIFY_ALERT


def evaluate_response(
    db: Database, keys: KeyRing, settings: Settings, response_id: uuid.UUID
) -> tuple[outbox.Job, ...]:
    """Create this response's alerts once; returns the outbox jobs of their notifications."""
    with db.session() as session:
        found = _inputs(session, response_id)
        if found is None:
            return ()
        response, therapy, client, state = found
        policy = policy_for(settings, client.clinic_id)
        alliance, wellbeing = load(ALLIANCE), load(WELLBEING)
        key = _policy_key(policy, alliance, wellbeing)
        index = _tail(session, client.id, state, therapy.id)
        if index is None or not _resumable(state, key, index, index.number_of(therapy.id)):
            index = Index(0, repository.session_index(session, client.id))
        number = index.number_of(therapy.id)
        comment = _comment(keys, client, response)
        if _resumable(state, key, index, number):
            assert state is not None  # noqa: S101 - _resumable checked it
            tracker = Tracker.resume(state.snapshot, alliance, policy, wellbeing)
            kept = set(tracker.course().episodes)  # stored as they are: rewrite only changes
            for gap in range(state.number + 1, number):
                tracker.add(Visit(gap, None))
            mine = tracker.add(visit_of(number, response, alliance, wellbeing, comment))
        else:
            sessions = repository.course(session, client.id).sessions[:index.last_answered()]
            tracker, mine, kept = Tracker(alliance, policy, wellbeing), [], set()
            for visit in visits_of(sessions, alliance, wellbeing, {response.id: comment}):
                signals = tracker.add(visit)
                mine = signals if visit.number == number else mine
        if number == index.last_answered():
            if state is None:
                state = CourseState(client_id=client.id)
                session.add(state)
            state.session_id, state.number = index.at(number)[0], number
            state.policy_key, state.snapshot = key, tracker.snapshot()
        changed = [e for e in tracker.course().episodes if e not in kept]
        if changed:
            _store_episodes(session, client.id, changed, index.numbered())
        return tuple(
            outbox.add_job(session, NOTIFY, alert_id)
            for alert_id, level in _record(session, client.id, response, mine)
            if level in ruptures.PUSHED
        )


def _inputs(session: Session, response_id: uuid.UUID
            ) -> tuple[Response, TherapySession, Client, CourseState | None] | None:
    """The response with its answers, session, client and kept state: one statement."""
    row = session.execute(_INPUTS, {"response": response_id}).unique().first()
    return None if row is None else (row[0], row[1], row[2], row[3])


_INPUTS = (  # built once: the worker runs it for every form
    select(Response, TherapySession, Client, CourseState)
    .join(TherapySession, TherapySession.id == Response.session_id)
    .join(Client, Client.id == TherapySession.client_id)
    .outerjoin(CourseState, CourseState.client_id == Client.id)
    .options(joinedload(Response.answers))
    .where(Response.id == bindparam("response", type_=Response.id.type))
)


@dataclass(frozen=True)
class Index:
    """(session id, response id) of a client's sessions in course order, numbered from
    `offset + 1`: the whole course (offset 0) or its tail from the kept state's session."""

    offset: int
    rows: Sequence[tuple[uuid.UUID, uuid.UUID | None]]

    def at(self, number: int) -> tuple[uuid.UUID, uuid.UUID | None]:
        return self.rows[number - 1 - self.offset]

    def number_of(self, session_id: uuid.UUID) -> int:
        return self.offset + 1 + [s for s, _ in self.rows].index(session_id)

    def last_answered(self) -> int:
        return max(self.offset + n for n, (_, r) in enumerate(self.rows, 1) if r is not None)

    def numbered(self) -> dict[int, uuid.UUID]:
        return {self.offset + n: s for n, (s, _) in enumerate(self.rows, 1)}


def _tail(session: Session, client_id: uuid.UUID, state: CourseState | None,
          session_id: uuid.UUID) -> Index | None:
    """The course from the kept state's session on (a few rows, not years of them)."""
    if state is None:
        return None
    found = repository.sessions_from(session, client_id, state.session_id)
    if found is None or session_id not in {s for s, _ in found[1]}:
        return None
    return Index(*found)


def _resumable(state: CourseState | None, key: str, index: Index, number: int) -> bool:
    """The kept state fits: same policy, this is the newest answer, nothing slipped in."""
    return (
        state is not None
        and state.policy_key == key
        and index.offset < state.number < number == index.last_answered()
        and index.at(state.number)[0] == state.session_id  # no session slipped in before it
        and all(index.at(n)[1] is None for n in range(state.number + 1, number))
    )


def _policy_key(policy: Policy, *instruments: Instrument) -> str:
    """The same for the same policy and instruments in every process (sets sorted). The
    last key is kept: a worker evaluates form after form under the same policy object."""
    global _last_key
    versions = tuple((i.id, i.version) for i in instruments)
    last = _last_key  # one read: another thread may replace it meanwhile
    if last is not None and last[0] is policy and last[1] == versions:
        return last[2]
    payload = [_canonical(policy), list(versions)]
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    _last_key = (policy, versions, key)
    return key


# (policy, instrument versions, key) of the last call; policies are frozen dataclasses
_last_key: tuple[Policy, tuple[tuple[str, object], ...], str] | None = None


def _canonical(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(v) for v in value)  # type: ignore[type-var]  # sets of strings
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def visits_of(
    sessions: Sequence[tuple[TherapySession, Response | None]],
    alliance: Instrument,
    wellbeing: Instrument,
    comments: dict[uuid.UUID, str | None] | None = None,
) -> list[Visit]:
    """The course as the rules see it; a session without a response is a missed form."""
    return [
        visit_of(number, response, alliance, wellbeing, (comments or {}).get(response.id))
        if response is not None
        else Visit(number, None)
        for number, (_, response) in enumerate(sessions, 1)
    ]


def visit_of(
    number: int,
    response: Response,
    alliance: Instrument,
    wellbeing: Instrument,
    comment: str | None = None,
) -> Visit:
    values = response.values
    tension, talked = values.get("tension"), values.get("talked_through")
    return Visit(
        number=number,
        total=alliance.total_of(values),
        items={i: alliance.points(i, values[i]) for i in alliance.total if i in values},
        tension=None if tension is None else _choice(alliance, "tension", tension),
        talked_through=None if talked is None else bool(talked),
        comment=comment,
        wellbeing=wellbeing.total_of(values),
    )


def _choice(instrument: Instrument, item_id: str, index: int) -> str | None:
    """The named choice, if the instrument has that item (a clinic's own may not)."""
    item = instrument.find_item(item_id)
    if item is None or not 0 <= index < len(item.choices):
        return None
    return item.choices[index]


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
        e.number: e for e in session.scalars(
            select(Episode).where(Episode.client_id == client_id,
                                  Episode.number.in_([e.number for e in episodes])))
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
        row.reason = episode.reason
        # Numbers before the index's first session were stored when they were new.
        for attribute, at in (("closed_session_id", episode.closed_at),
                              ("escalated_session_id", episode.escalated_at)):
            if at is None or at in sessions:
                setattr(row, attribute, sessions.get(at or 0))


def _record(
    session: Session, client_id: uuid.UUID, response: Response, signals: Sequence[Signal]
) -> list[tuple[uuid.UUID, str]]:
    """Insert each signal's alert unless its key exists (one INSERT … ON CONFLICT DO NOTHING
    each): a redelivered or concurrent run of the same job inserts nothing."""
    created = []
    for signal in signals:
        scope = (
            f"{client_id}:e{signal.episode}"
            if signal.episode is not None
            else str(response.session_id)
        )
        key = f"{scope}:{signal.rule}:{signal.level}"
        alert_id = uuid.uuid4()
        inserted = session.execute(
            upsert(session)(table(Alert))
            .values(id=alert_id, dedupe_key=key, client_id=client_id, response_id=response.id,
                    rule=signal.rule, level=signal.level, episode=signal.episode,
                    reason=signal.reason,
                    created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Alert.id)
        ).first()
        if inserted is not None:  # None: this evaluation ran before, or is running now
            created.append((alert_id, signal.level))
            counts.wrote(session, counts.ALERTS, signal.level)
    return created
