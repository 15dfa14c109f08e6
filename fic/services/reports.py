"""Build a supervisor's encrypted summary PDF and record that it was made."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

from fic.crypto import KeyRing, encrypt_pdf
from fic.reports.render import ReportRenderer
from fic.reports.summary import period_bounds, summary_context
from fic.services.clinics import report_passphrase
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Clinic, Report


@dataclass(frozen=True)
class BuiltReport:
    id: uuid.UUID
    pdf: bytes


def build_summary(
    db: Database,
    keys: KeyRing,
    renderer: ReportRenderer,
    supervisor_email: str,
    start: date,
    end: date,
) -> BuiltReport:
    with db.session() as session:
        supervisor = repository.staff_by_email(session, supervisor_email)
        passphrase = report_passphrase(keys, supervisor)
        context = summary_context(session, keys, supervisor, start, end)
        clinic = session.get(Clinic, supervisor.clinic_id)
        assert clinic is not None  # noqa: S101 - foreign key
        lo, hi = period_bounds(start, end, clinic.timezone)
        pdf = encrypt_pdf(renderer.pdf("summary.html", context), passphrase)
        report = Report(
            id=uuid.uuid4(),
            supervisor_id=supervisor.id,
            period_start=lo,
            period_end=hi,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        session.add(report)
    return BuiltReport(report.id, pdf)
