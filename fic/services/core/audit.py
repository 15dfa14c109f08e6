"""The audit trail: who did what to which id, when, with what outcome. Never health data.

Rows are chained with a key: h_n = HMAC-SHA256(k, h_{n-1} ‖ canonical JSON of row n), seq
1, 2, 3…, k derived from a key of the ring (the row names which; see audit_seal), and a
head row holding the last seq and hash. An append first bumps the head (an UPDATE, which
takes the write lock on SQLite and the row lock on PostgreSQL), so concurrent appends line
up instead of forking the chain. Each commit that appended rows leaves a signed checkpoint
outside the database. `verify` walks the chain and the checkpoints and names the first row
that was edited, deleted, reordered or cut off the end, or the checkpoint that disagrees.
Rows written before the chain was keyed (no key id) are accepted only as a prefix.
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
from fic.services.core import audit_seal
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
    "api_call", "staff_added", "passphrase_rotated", "webhook_added", "report_exported",
    "client_created", "client_reassigned", "client_discharged",
    "webhook_removed", "webhook_rotated", "responses_imported",
    "backup_made", "database_restored", "retention_purged",
    "inbound_session",
)


@dataclass(frozen=True)
class Problem:
    seq: int
    what: str
    checkpoint: int | None = None  # the checkpoint file's line, when a checkpoint disagrees

    def __str__(self) -> str:
        if self.checkpoint == 0:
            return f"checkpoint file {self.what}"
        if self.checkpoint is not None:
            return f"checkpoint {self.checkpoint} {self.what}"
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
    via: str | None = None,
) -> AuditEvent:
    """Append one row inside the caller's transaction.

    `via` says through what the action came when it was not a staff page: "cli", "task",
    or "api:<api key id>"."""
    if action not in ACTIONS:
        raise InvalidRequest(f"unknown audit action {action!r}")
    seal = audit_seal.of(session)
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
        key_id=seal.kid,
        via=via,
    )
    row.hash = chain_hash(seal, row.prev_hash, row)
    head.hash = row.hash
    session.add(row)
    audit_seal.note_head(session, row.seq, row.hash)
    return row


def write(db: Database, action: str, **fields: object) -> None:
    """Append one row in a transaction of its own (views, denials, failed sign-ins)."""
    with db.session() as session:
        record(session, action, **fields)  # type: ignore[arg-type]  # the keywords of record(), passed through


def canonical(row: AuditEvent) -> bytes:
    fields: dict[str, object] = {
            "seq": row.seq,
            "at": row.at.isoformat(timespec="microseconds"),
            "clinic_id": str(row.clinic_id) if row.clinic_id else None,
            "actor_id": str(row.actor_id) if row.actor_id else None,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "outcome": row.outcome,
    }
    if row.key_id is not None:
        fields["key_id"] = row.key_id
    if row.via is not None:
        fields["via"] = row.via
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(seal: audit_seal.AuditSeal, prev_hash: str, row: AuditEvent) -> str:
    message = prev_hash.encode() + canonical(row)
    if row.key_id is None:  # written before the chain was keyed
        return hashlib.sha256(message).hexdigest()
    return seal.mac(row.key_id, message)


def verify(db: Database, batch: int = 1000) -> Problem | None:
    """The first broken or missing row or disagreeing checkpoint, or None if all holds."""
    keyed = False
    with db.session() as session:
        seal = audit_seal.of(session)
        checkpoints: dict[int, list[audit_seal.Checkpoint]] = {}
        for point in seal.checkpoints():
            if point.problem:
                return Problem(point.seq, point.problem, point.line)
            checkpoints.setdefault(point.seq, []).append(point)
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
                if row.key_id is not None and not seal.has(row.key_id):
                    return Problem(row.seq, f"is keyed by {row.key_id!r}, not in FIC_DATA_KEYS")
                if (row.key_id is None and keyed) or row.prev_hash != prev or (
                    row.hash != chain_hash(seal, prev, row)
                ):
                    return Problem(row.seq, "was changed")
                for point in checkpoints.get(row.seq, ()):
                    if point.hash != row.hash:
                        return Problem(row.seq, f"disagrees with audit row {row.seq}", point.line)
                keyed = keyed or row.key_id is not None
                prev, expected_seq, last = row.hash, row.seq + 1, row.seq
            if len(rows) < batch:
                break
        if head is not None and head.seq >= expected_seq:
            return Problem(expected_seq, "is missing")
        if head is not None and head.hash != prev:
            return Problem(head.seq, f"is where the head points, but the trail goes on to row "
                                     f"{expected_seq - 1} (head rolled back)")
    return _beyond_the_end(checkpoints, expected_seq - 1, seal)


def _beyond_the_end(
    checkpoints: dict[int, list[audit_seal.Checkpoint]], rows: int,
    seal: audit_seal.AuditSeal,
) -> Problem | None:
    """A checkpoint past the last row means rows were cut off the end (and the head reset)."""
    later = [point for seq, points in checkpoints.items() if seq > rows for point in points]
    if later:
        newest = max(later, key=lambda point: point.seq)
        return Problem(rows + 1, f"is missing: checkpoint {newest.line} ({newest.at}) counted "
                                 f"{newest.seq} rows, the trail has {rows}")
    if rows and not checkpoints:
        return Problem(rows + 1, f"{seal.checkpoint_path} holds no checkpoint, so rows cut off "
                                 "the end cannot be ruled out", 0)
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
