"""Asking for a report: one use case for the staff page, the API, the CLI and beat.

It owns its transaction: the report row (unique per kind, owner and period, so a second
request finds the first) and, when the report needs building, its build job in the outbox,
published after the commit. Periods come from fic.services.reports.periods only.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fic import jobs
from fic.errors import InvalidRequest, NotFound
from fic.services.core import access, outbox
from fic.services.core.outbox import Publisher
from fic.services.reports.periods import Period, period_bounds
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Client, Clinic, Report, Staff

SUMMARY, PROGRESS = "supervision_summary", "client_progress"
BUILD = jobs.BUILD_REPORT


@dataclass(frozen=True)
class Owner:
    """Whose report: a staff id, or (the API) a supervisor's email within a clinic."""

    staff_id: uuid.UUID | None = None
    email: str | None = None
    clinic_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Requested:
    id: uuid.UUID
    kind: str
    status: str
    period: str
    created_at: datetime
    size_bytes: int | None
    needed: bool  # True when the report is (again) to be built


def request_report(
    db: Database, owner: Owner, period: Period, client_ref: str | None = None,
    publish: Publisher | None = None,
) -> Requested:
    """The report for this owner and period: found, or created; with `publish`, a report
    that needs building gets its build job (the CLI, without, builds it there and then)."""
    with db.session() as session:
        staff = _owner(session, owner)
        if staff.report_passphrase_ct is None:
            raise InvalidRequest(
                "passphrase: this supervisor has no report passphrase yet "
                "(fic staff passphrase EMAIL)")
        client = None
        if client_ref is not None:
            client = repository.client_by_ref(session, staff.clinic_id, client_ref)
            if client is None:
                raise InvalidRequest.about(
                    "client", "no client with that client_ref in this clinic")
        row, needed = report_row(session, staff, period, client)
        job = outbox.add(session, BUILD, row.id) if needed and publish else None
        answer = Requested(row.id, row.kind, row.status, row.period_label, row.created_at,
                           row.size_bytes, needed)
    if job is not None and publish is not None:
        outbox.flush(db, publish, [job])
    return answer


def request_due(db: Database, publish: Publisher, now: datetime) -> list[Requested]:
    """Beat: last week's summary for every supervisor whose clinic's report hour is now."""
    return [request_report(db, Owner(staff_id), period, publish=publish)
            for staff_id, period in due_this_hour(db, now)]


def supervisors_with_passphrase(db: Database) -> list[uuid.UUID]:
    """Everyone a weekly summary can be built for, in every clinic."""
    with db.session() as session:
        return list(session.scalars(select(Staff.id).where(
            Staff.role == "supervisor", Staff.report_passphrase_ct.is_not(None))))


def due_this_hour(db: Database, now: datetime) -> list[tuple[uuid.UUID, Period]]:
    """(supervisor, last week) for every clinic whose local report hour is now."""
    due = []
    with db.session() as session:
        for clinic in session.scalars(select(Clinic)):
            local = now.astimezone(ZoneInfo(clinic.timezone))
            if local.weekday() != clinic.report_weekday or local.hour != clinic.report_hour:
                continue
            period = Period.week_before(local.date())
            supervisors = session.scalars(
                select(Staff.id).where(
                    Staff.clinic_id == clinic.id,
                    Staff.role == "supervisor",
                    Staff.report_passphrase_ct.is_not(None),
                )
            )
            due += [(supervisor_id, period) for supervisor_id in supervisors]
    return due


ERASED = "purged: a client in it was erased"  # set by keys.erase_client; rebuilt when asked


def report_row(
    session: Session, owner: Staff, period: Period, client: Client | None = None
) -> tuple[Report, bool]:
    """The report row for this owner and period, created if new; True when it needs building."""
    kind = SUMMARY if client is None else PROGRESS
    if kind == SUMMARY and owner.role != "supervisor":
        raise InvalidRequest("supervision summaries are for supervisors")
    key = f"{kind}:{owner.id}:{period.label}" + (f":{client.id}" if client else "")
    existing = session.scalar(select(Report).where(Report.dedupe_key == key))
    if existing is not None:
        if existing.status == "failed" or (
            existing.status == "purged" and existing.error == ERASED
        ):
            existing.status, existing.error = "building", None
            return existing, True
        return existing, False
    clinic = session.get(Clinic, owner.clinic_id)
    assert clinic is not None  # noqa: S101 - foreign key
    lo, hi = period_bounds(period.start, period.end, clinic.timezone)
    report = Report(
        id=uuid.uuid4(),
        dedupe_key=key,
        supervisor_id=owner.id,
        kind=kind,
        client_id=client.id if client else None,
        period_start=lo,
        period_end=hi,
        period_label=period.label,
        status="building",
        file_name=f"fic-{secrets.token_hex(8)}.pdf",
    )
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:  # built concurrently: the other request owns it
        found = session.scalar(select(Report).where(Report.dedupe_key == key))
        assert found is not None  # noqa: S101 - the unique key just said so
        return found, False
    return report, True


def _owner(session: Session, owner: Owner) -> Staff:
    if owner.staff_id is not None:
        staff = session.get(Staff, owner.staff_id)
        if staff is None:
            raise NotFound("no such staff member")
        return staff
    assert owner.email is not None  # noqa: S101 - an Owner names a person one way or the other
    try:
        return repository.staff_by_email(session, owner.email, owner.clinic_id)
    except NotFound:
        raise InvalidRequest.about("supervisor", "no supervisor with that email here") from None


def api_report(db: Database, clinic_id: uuid.UUID, report_id: uuid.UUID) -> Requested:
    """A report of `clinic_id`, as the API shows it (NotFound outside the clinic)."""
    with db.session() as session:
        row = access.api_report(session, clinic_id, report_id)
        return Requested(row.id, row.kind, row.status, row.period_label, row.created_at,
                         row.size_bytes, False)
