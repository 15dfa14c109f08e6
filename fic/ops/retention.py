"""Retention: health data goes when a clinic's period has passed; the audit trail last.

Per clinic (fic.storage.models_ops.ClinicRetention, defaults there):
- a client whose last session is older than `data_days` goes with everything that hangs off
  them: sessions, links, responses, answers, comments, alerts, acknowledgements, episodes,
  course state, progress reports and their delivery records. Their data key goes with the
  client row, so copies of their text in older backups can no longer be read either.
- comments older than `comment_days` are erased even while the client is still in care.
- audit rows older than `audit_days` (never shorter than `data_days`) are cut from the
  oldest end; the chain keeps verifying from an anchor holding the last cut row's hash.

The rows to delete are found by following the schema's foreign keys from the client, so a
table added later is covered the day it references a client, session, response or alert.
`plan` (the dry run) and `apply` count the same way.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from fic.errors import InvalidRequest
from fic.services.core import audit
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Client, Clinic, Outbox, Response, TherapySession
from fic.storage.models_delivery import Delivery
from fic.storage.models_ops import AUDIT_DAYS, DATA_DAYS, ClinicRetention
from fic.storage.models_staff import AuditEvent, AuditHead
from fic.storage.schema import metadata

BATCH = 200
ANCHOR = 0  # AuditHead row 0: the last pruned audit row (seq, hash)
LIMITS = (30, 36500)


@dataclass(frozen=True)
class Periods:
    data_days: int = DATA_DAYS
    comment_days: int = DATA_DAYS
    audit_days: int = AUDIT_DAYS


@dataclass
class Outcome:
    clinic: str
    periods: Periods
    clients: int = 0
    comments: int = 0
    rows: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        tables = ", ".join(f"{n} {t}" for t, n in sorted(self.rows.items()) if n) or "nothing"
        return (f"{self.clinic}: {self.clients} client record(s) past {self.periods.data_days} "
                f"days ({tables}); {self.comments} comment(s) past "
                f"{self.periods.comment_days} days")


def periods_for(session: Session, clinic_id: uuid.UUID) -> Periods:
    row = session.get(ClinicRetention, clinic_id)
    return Periods(row.data_days, row.comment_days, row.audit_days) if row else Periods()


def set_periods(session: Session, clinic: Clinic, periods: Periods) -> None:
    low, high = LIMITS
    for name in ("data_days", "comment_days", "audit_days"):
        if not low <= getattr(periods, name) <= high:
            raise InvalidRequest.about(name, f"between {low} and {high} days")
    if periods.comment_days > periods.data_days:
        raise InvalidRequest.about("comment_days", "at most data_days (comments go no later)")
    if periods.audit_days < periods.data_days:
        raise InvalidRequest.about("audit_days",
                                   "at least data_days (the audit trail is kept longest)")
    row = session.get(ClinicRetention, clinic.id) or ClinicRetention(clinic_id=clinic.id)
    row.data_days, row.comment_days = periods.data_days, periods.comment_days
    row.audit_days = periods.audit_days
    session.add(row)
    audit.record(session, "settings_changed", clinic_id=clinic.id, object_type="retention")


def set_periods_named(db: Database, clinic_name: str, periods: Periods) -> None:
    with db.session() as session:
        set_periods(session, repository.clinic_named(session, clinic_name), periods)


def plan(db: Database, now: datetime) -> tuple[list[Outcome], int]:
    """What would go now (nothing is changed): per clinic, and the audit rows."""
    return _run(db, now, apply=False)


def apply(db: Database, now: datetime) -> tuple[list[Outcome], int]:
    """Delete what is past its period; one audit row per clinic says how much went."""
    return _run(db, now, apply=True)


def _run(db: Database, now: datetime, apply: bool) -> tuple[list[Outcome], int]:
    outcomes = []
    with db.session() as session:
        clinics = [(c.id, c.name, periods_for(session, c.id))
                   for c in session.scalars(select(Clinic).order_by(Clinic.name))]
    for clinic_id, name, periods in clinics:
        outcome = Outcome(name, periods)
        outcome.comments = _comments(db, clinic_id, now - timedelta(days=periods.comment_days),
                                     apply)
        expired = _expired_clients(db, clinic_id, now - timedelta(days=periods.data_days))
        outcome.clients = len(expired)
        for start in range(0, len(expired), BATCH):
            with db.session() as session:
                outcome.rows.update(_remove(session, expired[start:start + BATCH], apply))
        if apply and (outcome.clients or outcome.comments):
            audit.write(db, "retention_purged", clinic_id=clinic_id, object_type="clinic",
                        object_id=clinic_id, at=now)
        outcomes.append(outcome)
    audit_days = max((p.audit_days for _, _, p in clinics), default=AUDIT_DAYS)
    pruned = _audit(db, now - timedelta(days=audit_days), apply)
    if apply:
        _housekeep_outbox(db, now - timedelta(days=min(
            (p.data_days for _, _, p in clinics), default=DATA_DAYS)))
    return outcomes, pruned


def _expired_clients(db: Database, clinic_id: uuid.UUID, cutoff: datetime) -> list[uuid.UUID]:
    with db.session() as session:
        last = (select(TherapySession.client_id, func.max(TherapySession.held_at).label("last"))
                .group_by(TherapySession.client_id).subquery())
        return list(session.scalars(
            select(Client.id).join(last, last.c.client_id == Client.id)
            .where(Client.clinic_id == clinic_id, last.c.last < cutoff)))


def _comments(db: Database, clinic_id: uuid.UUID, cutoff: datetime, apply: bool) -> int:
    old = (select(TherapySession.id).join(Client, Client.id == TherapySession.client_id)
           .where(Client.clinic_id == clinic_id, TherapySession.held_at < cutoff))
    where = (Response.session_id.in_(old), Response.comment_ct.is_not(None))
    with db.session() as session:
        if not apply:
            return session.scalar(select(func.count()).select_from(Response).where(*where)) or 0
        return session.execute(update(Response).where(*where)
                               .values(comment_ct=None)).rowcount or 0  # type: ignore[attr-defined]


def _remove(session: Session, client_ids: list[uuid.UUID], apply: bool) -> Counter:
    """Every row that references these clients, directly or through another doomed row.

    Deliveries name their subject (an alert or a session) without a foreign key, so a
    second pass adds them and whatever hangs off them (their attempts)."""
    order = list(metadata.sorted_tables)  # parents before children
    referenced: dict[str, set] = {"client": set(client_ids)}
    doomed: dict[str, list] = {}
    for _pass in range(2):
        subjects = referenced.get("alert", set()) | referenced.get("therapy_session", set())
        for table in order:
            conditions = [fk.parent.in_(referenced[fk.column.table.name])
                          for fk in table.foreign_keys if referenced.get(fk.column.table.name)]
            if table.name == "client":
                conditions = [table.c.id.in_(client_ids)]
            if table is Delivery.__table__ and subjects:
                conditions.append(Delivery.subject_id.in_(subjects))
            if not conditions:
                continue
            doomed[table.name] = conditions
            if _is_referenced(table):
                referenced[table.name] = set(session.scalars(
                    select(table.c.id).where(or_(*conditions))))
    counts: Counter = Counter()
    for table in reversed(order):  # children before parents
        if table.name in doomed:
            counts[table.name] = _delete_or_count(session, table, doomed[table.name], apply)
    return counts


def _is_referenced(table: Table) -> bool:
    return "id" in table.c and any(fk.column.table is table
                                   for other in metadata.tables.values()
                                   for fk in other.foreign_keys)


def _delete_or_count(session: Session, table: Table, conditions: Iterable, apply: bool) -> int:
    where = or_(*conditions)
    if apply:
        return session.execute(delete(table).where(where)).rowcount or 0  # type: ignore[attr-defined]
    return session.scalar(select(func.count()).select_from(table).where(where)) or 0


def _audit(db: Database, cutoff: datetime, apply: bool) -> int:
    """Cut audit rows older than the cutoff from the oldest end, keeping the chain's anchor."""
    with db.session() as session:
        rows = session.execute(select(AuditEvent.seq, AuditEvent.hash)
                               .where(AuditEvent.at < cutoff)
                               .order_by(AuditEvent.seq.desc()).limit(1)).first()
        if rows is None:
            return 0
        # Only a prefix may go: stop before the first row that is still young.
        young = session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.at >= cutoff))
        last_seq = rows.seq if young is None else min(rows.seq, young - 1)
        count = session.scalar(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.seq <= last_seq)) or 0
        if not apply or count == 0:
            return count
        last_hash = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == last_seq))
        anchor = session.get(AuditHead, ANCHOR) or AuditHead(id=ANCHOR)
        anchor.seq, anchor.hash = last_seq, str(last_hash)
        session.add(anchor)
        session.execute(delete(AuditEvent).where(AuditEvent.seq <= last_seq))
    return count


def _housekeep_outbox(db: Database, cutoff: datetime) -> None:
    """Published jobs older than the shortest period: their ids point at nothing now."""
    with db.session() as session:
        session.execute(delete(Outbox).where(Outbox.published_at.is_not(None),
                                             Outbox.created_at < cutoff))
