"""The delivery ledger: exactly once, whatever fails.

Every outgoing message has a unique delivery key (what, to whom, which channel). Before a
provider is called, `claim` writes the row and takes a lease in one compare-and-set
UPDATE, committed, so of concurrent or redelivered tasks only one holds the right to
send. The outcome is recorded after the call and, on failure, when to try again
(exponential backoff) or that fic gave up ("dead", shown to admins). The messages of one
event (an alert's recipients) are claimed in one commit and recorded in one commit
(`deliver_all`). A worker that dies mid-send
leaves a lease that runs out; the next claim after that sends again with the same
message id / delivery id, so providers and receivers can drop the rare duplicate of a
message that was accepted in the instant before the crash.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fic import clock
from fic.errors import DeliveryFailed
from fic.settings import Settings
from fic.storage import counts
from fic.storage.db import Database, table, upsert
from fic.storage.models_delivery import Delivery, DeliveryAttempt

log = logging.getLogger(__name__)

DONE = "done"  # sent already, or given up
LATER = "later"  # someone holds the lease, or a retry is not due yet
SENT, FAILED = "sent", "failed"


@dataclass(frozen=True)
class Claim:
    delivery_id: uuid.UUID
    attempt_id: uuid.UUID
    number: int


@dataclass(frozen=True)
class Spec:
    key: str
    kind: str
    channel: str
    subject_id: uuid.UUID
    clinic_id: uuid.UUID | None = None


def claim(db: Database, spec: Spec, now: datetime, lease: timedelta) -> Claim | str:
    """The right to call the provider now, or DONE / LATER. One transaction."""
    return claim_all(db, [(spec, lease)], now)[0]


def claim_all(db: Database, specs: Sequence[tuple[Spec, timedelta]], now: datetime
              ) -> list[Claim | str]:
    """`claim` for several messages (one alert's recipients) in one transaction.

    A new message (the usual case) is one INSERT … ON CONFLICT DO NOTHING: of concurrent
    or redelivered tasks exactly one inserts the row. An existing row is taken over only
    by the compare-and-set UPDATE (a retry that is due, or a lease that ran out).
    """
    with db.session() as session:
        held = [_claim_one(session, spec, now, lease) for spec, lease in specs]
        attempts = [{"id": h.attempt_id, "delivery_id": h.delivery_id, "number": h.number,
                     "started_at": now} for h in held if isinstance(h, Claim)]
        if attempts:
            session.execute(insert(table(DeliveryAttempt)), attempts)
        return held


def _claim_one(session: Session, spec: Spec, now: datetime, lease: timedelta) -> Claim | str:
    delivery_id, number = uuid.uuid4(), 1
    if not _insert_new(session, spec, delivery_id, now, now + lease):
        row = session.execute(
            update(Delivery)
            .where(
                Delivery.key == spec.key,
                or_(
                    and_(
                        Delivery.status.in_(("pending", "failed")),
                        or_(Delivery.next_attempt_at.is_(None),
                            Delivery.next_attempt_at <= now),
                    ),
                    and_(Delivery.status == "sending", Delivery.claimed_until <= now),
                ),
            )
            .values(status="sending", attempts=Delivery.attempts + 1,
                    claimed_until=now + lease)
            .returning(Delivery.id, Delivery.attempts)
            .execution_options(synchronize_session=False)
        ).first()
        if row is None:
            status = session.scalar(select(Delivery.status).where(Delivery.key == spec.key))
            return DONE if status in ("sent", "dead") else LATER
        delivery_id, number = row.id, row.attempts
    return Claim(delivery_id, uuid.uuid4(), number)


def _insert_new(session: Session, spec: Spec, delivery_id: uuid.UUID, now: datetime,
                claimed_until: datetime) -> bool:
    """Insert the row already claimed; False if it exists (nothing is written then)."""
    values = {"id": delivery_id, "key": spec.key, "clinic_id": spec.clinic_id,
              "kind": spec.kind, "channel": spec.channel, "subject_id": spec.subject_id,
              "status": "sending", "attempts": 1, "claimed_until": claimed_until,
              "created_at": now}
    statement = upsert(session)(table(Delivery)).values(values)
    return session.execute(
        statement.on_conflict_do_nothing(index_elements=["key"]).returning(Delivery.id)
    ).first() is not None


def _record_outcome(
    session: Session,
    held: Claim,
    now: datetime,
    error: str | None,
    status_code: int | None,
    retry_after: timedelta | None,
    max_attempts: int,
    on_sent: Callable[[Session, datetime], None] | None,
) -> None:
    session.execute(
        update(DeliveryAttempt)
        .where(DeliveryAttempt.id == held.attempt_id)
        .values(finished_at=now, status_code=status_code, ok=error is None,
                error=(error or None) and error[:200])
        .execution_options(synchronize_session=False)
    )
    if error is None:
        sent = session.execute(
            update(Delivery)
            .where(Delivery.id == held.delivery_id)
            .values(status="sent", sent_at=now, last_error=None, next_attempt_at=None)
            .returning(Delivery.channel, Delivery.kind)
            .execution_options(synchronize_session=False)
        ).one()
        counts.wrote(session, counts.DELIVERIES, sent.channel, sent.kind, "sent")
        if on_sent is not None:
            on_sent(session, now)
        return
    row = session.get(Delivery, held.delivery_id)
    assert row is not None  # noqa: S101 - claimed above
    row.last_error = error[:200]
    if held.number >= max_attempts or retry_after is None:
        row.status, row.next_attempt_at = "dead", None
        log.warning("delivery %s (%s) given up after %d attempts", row.id, row.kind,
                    held.number)
    else:
        row.status, row.next_attempt_at = "failed", now + retry_after


class NothingToSend(Exception):  # noqa: N818 - a reason, not a failure
    """Raised by a send step: the message is moot now (answered, expired); give it up."""


@dataclass(frozen=True)
class Send:
    """One message of a batch: its ledger key, the channel's timeout, the provider call
    and what to record in the same commit once it went out."""

    spec: Spec
    timeout: float
    send: Callable[[Claim], int | None]
    on_sent: Callable[[Session, datetime], None] | None = None


def deliver(
    db: Database,
    spec: Spec,
    now: datetime,
    timeout: float,
    send: Callable[[Claim], int | None],
    settings: Settings,
    on_sent: Callable[[Session, datetime], None] | None = None,
) -> str:
    """The one skeleton every message goes through: claim a lease, send, finish.

    `send` calls the channel and returns an HTTP status where there is one (a status outside
    2xx is a failure); DeliveryFailed is retried with backoff, NothingToSend is given up.
    Returns "sent", "failed", DONE or LATER.
    """
    return deliver_all(db, [Send(spec, timeout, send, on_sent)], now, settings)[0]


def deliver_all(db: Database, sends: Sequence[Send], now: datetime, settings: Settings
                ) -> list[str]:
    """`deliver` for the messages of one event (an alert's recipients): every lease is
    claimed in one commit before any provider is called (lease k long enough for the k
    sends up to it); each outcome is recorded as soon
    as its provider answered, so a crash before the next recipient re-sends nothing that
    went out. Each message keeps its own row, lease and retries."""
    # The sends run one after another from this claim on, so each lease also covers the
    # longest the sends before it can take; a slow server never lets a later lease run out
    # (and the sweep hand the message to a second worker) before its own send has started.
    leases, ahead = [], 0.0
    for item in sends:
        ahead += 2 * item.timeout + 5
        leases.append((item.spec, timedelta(seconds=ahead)))
    held = claim_all(db, leases, now)
    results: list[str] = []
    for item, claimed in zip(sends, held, strict=True):
        if not isinstance(claimed, Claim):
            results.append(claimed)
            continue
        error, status, moot = None, None, False
        try:
            status = item.send(claimed)
            if status is not None and not 200 <= status < 300:
                error = f"{item.spec.channel} answered {status}"
        except NothingToSend as reason:
            error, moot = str(reason), True
        except DeliveryFailed as failure:
            error = str(failure)
        done = max(now, clock.now())  # an injected clock may run ahead of the real one
        backoff = None if moot else settings.backoff(claimed.number)

        def record(session: Session, item: Send = item, claimed: Claim = claimed,
                   error: str | None = error, status: int | None = status,
                   backoff: timedelta | None = backoff, done: datetime = done) -> None:
            _record_outcome(session, claimed, done, error, status, backoff,
                            settings.max_attempts, item.on_sent)

        db.patiently(record)
        results.append(DONE if moot else SENT if error is None else FAILED)
    return results


def due(db: Database, now: datetime, limit: int = 200) -> list[tuple[str, uuid.UUID]]:
    """(kind, subject id) of deliveries to try again: retries due, leases run out."""
    with db.session() as session:
        rows = session.execute(
            select(Delivery.kind, Delivery.subject_id)
            .where(
                or_(
                    and_(
                        Delivery.status.in_(("pending", "failed")),
                        Delivery.next_attempt_at <= now,
                    ),
                    and_(Delivery.status == "sending", Delivery.claimed_until <= now),
                )
            )
            .order_by(Delivery.created_at)
            .limit(limit)
        ).all()
    return list(dict.fromkeys((row.kind, row.subject_id) for row in rows))


def postpone(db: Database, spec: Spec, until: datetime, now: datetime) -> None:
    """Not now (quiet hours): the sweep sends it at `until`."""
    _ensure_row(db, spec, now)
    with db.session() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.key == spec.key, Delivery.status == "pending")
            .values(next_attempt_at=until)
        )



def _ensure_row(db: Database, spec: Spec, now: datetime) -> None:
    with db.session() as session:
        if session.scalar(select(Delivery.id).where(Delivery.key == spec.key)) is not None:
            return
        try:
            with session.begin_nested():
                session.add(_new_row(spec, uuid.uuid4(), "pending", now, None))
        except IntegrityError:
            pass  # a concurrent task wrote it first


def _new_row(spec: Spec, delivery_id: uuid.UUID, status: str, now: datetime,
             claimed_until: datetime | None) -> Delivery:
    return Delivery(
        id=delivery_id,
        key=spec.key,
        clinic_id=spec.clinic_id,
        kind=spec.kind,
        channel=spec.channel,
        subject_id=spec.subject_id,
        status=status,
        attempts=1 if status == "sending" else 0,
        claimed_until=claimed_until,
        created_at=now,
    )
