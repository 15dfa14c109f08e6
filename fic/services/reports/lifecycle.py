"""Supervision summaries and client progress reports: build, store, deliver, purge.

A report row is written first by fic.services.reports.requests (status `building`, unique per
kind, owner and period), so a
second request for the same report finds it instead of rendering again. The PDF is
encrypted with the owner's report passphrase (AES-256 R6) and stored sealed once more under
the key ring, bound to its row; the file name is opaque. The owner is emailed a sign-in link,
never the passphrase; the PDF is attached only where the clinic has opted in.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding, encrypt_pdf
from fic.delivery.email import Email, Mailer
from fic.domain.answers import N_
from fic.errors import NotFound
from fic.reports.render import ReportRenderer
from fic.services.clinic.clinics import report_passphrase
from fic.services.core import access, audit
from fic.services.core.access import Actor
from fic.services.core.languages import staff_language
from fic.services.reports.progress import progress_context
from fic.services.reports.requests import SUMMARY
from fic.services.reports.summary import summary_context
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Client, Clinic, Report, Staff, utcnow


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
        with force_locale(staff_language(session, owner)):  # the reader's language
            if report.kind == SUMMARY:
                context = summary_context(session, keys, settings, owner, start, end)
                template = "summary.html"
            else:
                client = session.get(Client, report.client_id)
                assert client is not None  # noqa: S101 - foreign key
                context = progress_context(session, keys, settings, owner, client)
                template = "progress.html"
            document = renderer.pdf(template, context)
        pdf = encrypt_pdf(document, report_passphrase(keys, owner))
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


def download(db: Database, keys: KeyRing, actor: Actor, report_id: uuid.UUID,
             now: datetime) -> tuple[bytes, str]:
    """The owner's stored report and its opaque file name (NotFound for anyone else); audited.
    The file stays encrypted with the owner's passphrase."""
    with db.session() as session:
        found = access.report(session, actor, report_id)
        pdf, file_name = content(keys, found), found.file_name
    audit.write(db, "report_downloaded", actor_id=actor.staff_id, clinic_id=actor.clinic_id,
                object_type="report", object_id=report_id, at=now)
    return pdf, file_name


def stored_pdf(db: Database, keys: KeyRing, report_id: uuid.UUID) -> bytes:
    """A built report's PDF, still encrypted with its owner's passphrase."""
    with db.session() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound("no such report")
        return content(keys, report)


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
        if not claimed.rowcount:  # type: ignore[attr-defined]  # update() gives a CursorResult; execute() is typed Result
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
        with force_locale(staff_language(session, owner)):
            period = report.period_label.replace("..", " – ")
            ready = (_("Your supervision summary for %(period)s is ready.", period=period)
                     if report.kind == SUMMARY else
                     _("Your client progress report for %(period)s is ready.", period=period))
            email = Email(
                to=owner.email,
                subject="[fic] " + _("Your report for %(period)s is ready", period=period),
                text=(
                    f"{ready}\n\n" + _("Sign in to download it:")
                    + f"\n{settings.base_url}/staff/reports/{report.id}\n\n"
                    + _("Open it with your report passphrase. This message never contains it.")
                    + "\n"
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


def purge_expired(db: Database, now: datetime) -> int:
    """Drop the content of reports older than their clinic's retention; keep the record."""
    purged = 0
    with db.session() as session:
        for clinic in session.scalars(select(Clinic)):
            cutoff = now - timedelta(days=clinic.report_retention_days)
            owners = select(Staff.id).where(Staff.clinic_id == clinic.id)
            purged += session.execute(  # type: ignore[attr-defined]  # update() gives a CursorResult; execute() is typed Result
                update(Report)
                .where(
                    Report.supervisor_id.in_(owners),
                    Report.created_at < cutoff,
                    Report.status != "purged",
                )
                .values(status="purged", content_ct=None)
            ).rowcount
    return purged


def reports_of(db: Database, owner_id: uuid.UUID) -> list[dict[str, object]]:
    """The owner's reports that are ready or being built, newest first (the reports page)."""
    with db.session() as session:
        rows = session.scalars(
            select(Report).where(Report.supervisor_id == owner_id,
                                 Report.status.in_(("ready", "building")))
            .order_by(Report.created_at.desc()).limit(100)
        ).all()
        names = dict(session.execute(
            select(Client.id, Client.client_ref).where(
                Client.id.in_([r.client_id for r in rows if r.client_id]))).all())
        return [{"id": r.id, "label": r.period_label, "ready": r.status == "ready",
                 "kind": N_("Client progress") if r.client_id else N_("Supervision summary"),
                 "client": names.get(r.client_id) if r.client_id else None,
                 "size": r.size_bytes,
                 "created_at": r.created_at} for r in rows]
