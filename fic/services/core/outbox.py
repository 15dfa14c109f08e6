"""Transactional outbox: a job is a row written with the change that needs it.

`add` writes the row inside the caller's transaction. `flush` publishes the given rows once
that transaction has committed; `relay` (run by beat) publishes whatever is still waiting.
A job may therefore be published twice (crash between publish and mark), so every task is
idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ARRAY, ColumnElement, Update, Uuid, any_, bindparam, select, update
from sqlalchemy.orm import Session

from fic.storage.db import Database, table
from fic.storage.models import Outbox, utcnow

Publisher = Callable[[str, list[str]], bool]


@dataclass(frozen=True)
class Job:
    """An outbox row as its writer knows it: publishing it needs no read."""

    id: uuid.UUID
    task: str
    args: tuple[str, ...]


def add(session: Session, task: str, *ids: uuid.UUID) -> uuid.UUID:
    return add_job(session, task, *ids).id


def add_job(session: Session, task: str, *ids: uuid.UUID) -> Job:
    """`add`, returning the job as written, so publishing it needs no read (publish_jobs)."""
    job = Job(uuid.uuid4(), task, tuple(str(i) for i in ids))
    session.add(Outbox(id=job.id, task=task, args=list(job.args)))
    return job


def flush(db: Database, publish: Publisher, outbox_ids: Iterable[uuid.UUID]) -> int:
    """Publish these rows now; rows that fail stay for the relay."""
    sent = 0
    for outbox_id in outbox_ids:
        with db.session() as session:
            row = session.get(Outbox, outbox_id)
            if row is None or row.published_at is not None:
                continue
            task, args = row.task, list(row.args)
        sent += _publish_one(db, publish, outbox_id, task, args)
    return sent


def publish_jobs(db: Database, publish: Publisher, jobs: Sequence[Job]) -> int:
    """Publish jobs whose rows are committed, then mark them."""
    done, failed = hand_over(publish, jobs)
    mark(db, done, failed)
    return len(done)


def hand_over(publish: Publisher, jobs: Sequence[Job]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Publish each job: (the ids published, the ids the broker did not take)."""
    return split(jobs, [publish(job.task, list(job.args)) for job in jobs])


def split(jobs: Sequence[Job], taken: Sequence[bool]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """(the ids published, the ids the broker did not take), given which it took."""
    return ([job.id for job, ok in zip(jobs, taken, strict=True) if ok],
            [job.id for job, ok in zip(jobs, taken, strict=True) if not ok])


def mark(db: Database, done: Sequence[uuid.UUID], failed: Sequence[uuid.UUID]) -> None:
    """Mark rows published (or failed): one statement per outcome, each its own transaction
    (a mark lost to a crash only means a second, harmless publish by the reconciler).

    On PostgreSQL the ids go as ONE array parameter (`id = ANY(:ids)`), so the statement's
    text is the same for every batch size and the driver's prepared statement serves them
    all; SQLite spells the list out (`IN (?, ?, …)`)."""
    marks = _MARKS["sqlite" if db.is_sqlite else "postgresql"]
    for ids, statement in zip((done, failed), marks, strict=True):
        if ids:
            with db.connection() as connection:
                connection.execute(statement, {"ids": list(ids), "now": utcnow()})


_OUTBOX = table(Outbox)


def _marks(where: ColumnElement[bool]) -> tuple[Update, Update]:
    """(mark published, mark failed) for the rows `where` picks."""
    mark = update(_OUTBOX).where(where)
    return (mark.values(attempts=_OUTBOX.c.attempts + 1, published_at=bindparam("now")),
            mark.values(attempts=_OUTBOX.c.attempts + 1, last_error="broker unreachable"))


_MARKS = {
    "sqlite": _marks(_OUTBOX.c.id.in_(bindparam("ids", expanding=True))),
    "postgresql": _marks(_OUTBOX.c.id == any_(bindparam("ids", type_=ARRAY(Uuid)))),
}


def relay(
    db: Database,
    publish: Publisher,
    stale_after: timedelta = timedelta(seconds=60),
    now: datetime | None = None,
    limit: int = 500,
) -> int:
    """Publish rows that were not published within `stale_after` of being written."""
    cutoff = (now or utcnow()) - stale_after
    with db.session() as session:
        rows = session.execute(
            select(Outbox.id, Outbox.task, Outbox.args)
            .where(Outbox.published_at.is_(None), Outbox.created_at <= cutoff)
            .order_by(Outbox.created_at)
            .limit(limit)
        ).all()
    return sum(_publish_one(db, publish, row.id, row.task, list(row.args)) for row in rows)



def _publish_one(
    db: Database, publish: Publisher, outbox_id: uuid.UUID, task: str, args: list[str]
) -> int:
    ok = publish(task, args)
    with db.session() as session:
        values = {"published_at": utcnow()} if ok else {"last_error": "broker unreachable"}
        session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id)
            .values(attempts=Outbox.attempts + 1, **values)
        )
    return int(ok)
