"""The audit trail: who did what to which id, when, with what outcome. Never health data.

Rows are hash-chained: h_n = SHA-256(h_{n-1} ‖ canonical JSON of row n) with seq 1, 2, 3…
and a head row holding the last seq and hash. An append first bumps the head (an UPDATE,
which takes the write lock on SQLite and the row lock on PostgreSQL), so concurrent appends
line up instead of forking the chain. `verify` walks the chain and names the first row that
was edited, deleted or cut off the end.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fic.errors import InvalidRequest
from fic.storage.db import Database
from fic.storage.models import utcnow
from fic.storage.models_staff import AuditEvent, AuditHead

GENESIS = "0" * 64
ACTIONS = (
    "sign_in", "sign_in_failed", "sign_out", "session_expired", "totp_enrolled",
    "recovery_code_used", "password_reset_requested", "password_set", "invitation_sent",
    "client_course_viewed", "comment_decrypted", "alert_viewed", "alert_acknowledged",
    "report_downloaded", "export", "settings_changed", "staff_disabled", "staff_enabled",
    "api_key_created", "api_key_revoked", "audit_viewed", "access_denied",
    "client_erased", "keys_rotated", "link_sent", "goal_named", "goal_reworded", "goal_retired",
    "backup_made", "database_restored", "retention_purged",
    "api_call", "client_created", "client_reassigned", "client_discharged",
    "webhook_added", "webhook_removed", "webhook_rotated", "responses_imported",
    "inbound_session",
)


@dataclass(frozen=True)
class Problem:
    seq: int
    what: str

    def __str__(self) -> str:
        return f"audit row {self.seq} {self.what}"


def record(
    session: Session,
    action: str,
    *,
    actor_id: uuid.UUID | None = None,
    clinic_id: uuid.UUID | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    outcome: str = "ok",
    at: datetime | None = None,
) -> AuditEvent:
    """Append one row inside the caller's transaction."""
    if action not in ACTIONS:
        raise InvalidRequest(f"unknown audit action {action!r}")
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]  # update() gives a CursorResult; execute() is typed Result
        session.add(AuditHead(id=1, seq=1, hash=GENESIS))
        session.flush()
    head = session.get(AuditHead, 1, populate_existing=True)
    assert head is not None  # noqa: S101 - bumped or created just above
    row = AuditEvent(
        seq=head.seq,
        at=(at or utcnow()).astimezone(UTC),
        clinic_id=clinic_id,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        outcome=outcome,
        prev_hash=head.hash,
        hash="",
    )
    row.hash = chain_hash(row.prev_hash, row)
    head.hash = row.hash
    session.add(row)
    return row


def write(db: Database, action: str, **fields: object) -> None:
    """Append one row in a transaction of its own (views, denials, failed sign-ins)."""
    with db.session() as session:
        record(session, action, **fields)  # type: ignore[arg-type]  # the keywords of record(), passed through


def canonical(row: AuditEvent) -> bytes:
    return json.dumps(
        {
            "seq": row.seq,
            "at": row.at.isoformat(timespec="microseconds"),
            "clinic_id": str(row.clinic_id) if row.clinic_id else None,
            "actor_id": str(row.actor_id) if row.actor_id else None,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "outcome": row.outcome,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def chain_hash(prev_hash: str, row: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(row)).hexdigest()


def verify(db: Database, batch: int = 1000) -> Problem | None:
    """The first broken or missing row, or None if the whole chain holds."""
    with db.session() as session:
        head = session.get(AuditHead, 1)
        # Row 0, when present, is where retention cut the oldest rows off (fic.ops.retention).
        anchor = session.get(AuditHead, 0)
        expected_seq, prev = (anchor.seq + 1, anchor.hash) if anchor else (1, GENESIS)
        last = 0
        while True:
            rows = session.scalars(
                select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq)
                .limit(batch)
            ).all()
            for row in rows:
                if row.seq != expected_seq:
                    return Problem(expected_seq, "is missing")
                if row.prev_hash != prev or row.hash != chain_hash(prev, row):
                    return Problem(row.seq, "was changed")
                prev, expected_seq, last = row.hash, row.seq + 1, row.seq
            if len(rows) < batch:
                break
        if head is not None and (head.seq >= expected_seq or head.hash != prev):
            return Problem(expected_seq, "is missing")
    return None


def count(db: Database) -> int:
    with db.session() as session:
        head = session.get(AuditHead, 1)
        return head.seq if head else 0


def events(
    session: Session,
    clinic_id: uuid.UUID,
    *,
    action: str | None = None,
    actor_id: uuid.UUID | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> Sequence[AuditEvent]:
    """One clinic's rows, newest first, filtered."""
    query = select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    return session.scalars(query.order_by(AuditEvent.seq.desc()).limit(limit)).all()
