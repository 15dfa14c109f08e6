"""Supervision summaries and client progress reports: request, build, store, deliver, purge.

A report row is written first (status `building`, unique per kind, owner and period), so a
second request for the same report finds it instead of rendering again. The PDF is
encrypted with the owner's report passphrase (AES-256 R6) and stored sealed once more under
the key ring, bound to its row; the file name is opaque. The owner is emailed a sign-in link,
never the passphrase; the PDF is attached only where the clinic has opted in.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding, encrypt_pdf
from fic.delivery.email import Email, Mailer
from fic.errors import InvalidRequest, NotFound
from fic.reports.client_report import progress_context
from fic.reports.render import ReportRenderer
from fic.reports.summary import period_bounds, summary_context
from fic.services.clinic.clinics import report_passphrase
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Client, Clinic, Report, Staff, utcnow

SUMMARY, PROGRESS = "supervision_summary", "client_progress"
BUILD = "fic.build_report"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """An ISO week such as 2026-W47 (Monday to Sunday)."""
        try:
            year, week = text.upper().split("-W")
            start = date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            raise InvalidRequest("period: give an ISO week such as 2026-W47") from None
        return cls(start, start + timedelta(days=6), f"{int(year)}-W{int(week):02d}")

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        if end < start:
            raise InvalidRequest("the period ends before it starts")
        return cls(start, end, f"{start.isoformat()}..{end.isoformat()}")

    @classmethod
    def week_before(cls, day: date) -> Period:
        year, week, _ = (day - timedelta(days=7)).isocalendar()
        return cls.parse(f"{year}-W{week}")


def request_report(
    session: Session, owner: Staff, period: Period, client: Client | None = None
) -> tuple[Report, bool]:
    """The report row for this owner and period, created if new; True when it needs building."""
    kind = SUMMARY if client is None else PROGRESS
    if kind == SUMMARY and owner.role != "supervisor":
        raise InvalidRequest("supervision summaries are for supervisors")
    key = f"{kind}:{owner.id}:{period.label}" + (f":{client.id}" if client else "")
    existing = session.scalar(select(Report).where(Report.dedupe_key == key))
    if existing is not None:
        if existing.status == "failed":
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


def build(
    db: Database, keys: KeyRing, settings: Settings, renderer: ReportRenderer, report_id: uuid.UUID
) -> bool:
    """Render, encrypt and store one report; False when there was nothing to build."""
    with db.session() as session:
        report = session.get(Report, report_id)
        if report is None or report.status != "building":
            return False
        owner = session.get(Staff, report.supervisor_id)
        clinic = session.get(Clinic, owner.clinic_id) if owner else None
        assert owner is not None and clinic is not None  # noqa: S101 - foreign keys
        zone = ZoneInfo(clinic.timezone)
        start = report.period_start.astimezone(zone).date()
        end = (report.period_end.astimezone(zone) - timedelta(days=1)).date()
        if report.kind == SUMMARY:
            context = summary_context(session, keys, settings, owner, start, end)
            template = "summary.html"
        else:
            client = session.get(Client, report.client_id)
            assert client is not None  # noqa: S101 - foreign key
            context = progress_context(session, keys, settings, owner, client)
            template = "progress.html"
        pdf = encrypt_pdf(renderer.pdf(template, context), report_passphrase(keys, owner))
        report.content_ct = keys.seal_bytes(pdf, content_binding(report.id))
        report.sha256 = hashlib.sha256(pdf).hexdigest()
        report.size_bytes = len(pdf)
        report.status = "ready"
    return True


def mark_failed(db: Database, report_id: uuid.UUID, reason: str) -> None:
    with db.session() as session:
        session.execute(
            update(Report)
            .where(Report.id == report_id, Report.status == "building")
            .values(status="failed", error=reason[:200])
        )


def content(keys: KeyRing, report: Report) -> bytes:
    """The passphrase-encrypted PDF as the owner downloads it."""
    if report.status != "ready" or report.content_ct is None:
        raise NotFound("no such report")
    return keys.open_bytes(report.content_ct, content_binding(report.id))


def reencrypt_for_owner(
    session: Session, keys: KeyRing, owner_id: uuid.UUID, old: str, new: str
) -> int:
    """After a passphrase rotation, every stored report of the owner opens with the new one."""
    count = 0
    for report in session.scalars(
        select(Report).where(Report.supervisor_id == owner_id, Report.status == "ready")
    ):
        pdf = encrypt_pdf(content(keys, report), new, current=old)
        report.content_ct = keys.seal_bytes(pdf, content_binding(report.id))
        report.sha256, report.size_bytes = hashlib.sha256(pdf).hexdigest(), len(pdf)
        count += 1
    return count


def content_binding(report_id: uuid.UUID) -> bytes:
    return binding("report", "content", report_id)


def email_owner(
    db: Database, keys: KeyRing, settings: Settings, mailer: Mailer, report_id: uuid.UUID
) -> bool:
    """Tell the owner the report is ready, once: the claim is committed before sending."""
    with db.session() as session:
        claimed = session.execute(
            update(Report)
            .where(Report.id == report_id, Report.status == "ready", Report.emailed_at.is_(None))
            .values(emailed_at=utcnow())
        )
        if not claimed.rowcount:
            return False
        report = session.get(Report, report_id)
        owner = session.get(Staff, report.supervisor_id) if report else None
        clinic = session.get(Clinic, owner.clinic_id) if owner else None
        assert report is not None and owner is not None and clinic is not None  # noqa: S101
        attachments = (
            ((report.file_name, content(keys, report), "application/pdf"),)
            if clinic.report_attach_pdf
            else ()
        )
        email = Email(
            to=owner.email,
            subject=f"[fic] Your report for {report.period_label} is ready",
            text=(
                f"Your {_kind_text(report.kind)} for {report.period_label} is ready.\n\n"
                f"Sign in to download it:\n{settings.base_url}/staff/reports/{report.id}\n\n"
                "Open it with your report passphrase. This message never contains it.\n"
            ),
            attachments=attachments,
        )
    try:
        mailer.send(email)
    except Exception:
        with db.session() as session:
            session.execute(update(Report).where(Report.id == report_id).values(emailed_at=None))
        raise
    return True


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


def purge_expired(db: Database, now: datetime) -> int:
    """Drop the content of reports older than their clinic's retention; keep the record."""
    purged = 0
    with db.session() as session:
        for clinic in session.scalars(select(Clinic)):
            cutoff = now - timedelta(days=clinic.report_retention_days)
            owners = select(Staff.id).where(Staff.clinic_id == clinic.id)
            purged += session.execute(
                update(Report)
                .where(
                    Report.supervisor_id.in_(owners),
                    Report.created_at < cutoff,
                    Report.status != "purged",
                )
                .values(status="purged", content_ct=None)
            ).rowcount
    return purged


def _kind_text(kind: str) -> str:
    return "supervision summary" if kind == SUMMARY else "client progress report"
