"""Erasing a client reaches the stored reports too: none of them shows the client afterwards."""

from __future__ import annotations

import subprocess
import tempfile
from datetime import timedelta

from sqlalchemy import select

from fic.cli.keys import client_group
from fic.reports.render import ReportRenderer
from fic.services.reports import lifecycle, requests
from fic.services.reports.periods import Period
from fic.storage import repository
from fic.storage.models import Report, Staff, utcnow
from tests.flows import set_up_clinic
from tests.integration.test_report import _course

FORGET = "Please forget what I said about my brother"


def _text(app, report_id, passphrase: str) -> str:
    svc = app.extensions["fic"]
    with svc.db.session() as session:
        pdf = lifecycle.content(svc.keys, session.get(Report, report_id))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
        out.write(pdf)
        out.flush()
        return subprocess.run(["pdftotext", "-upw", passphrase, out.name, "-"],
                              capture_output=True, text=True, check=True).stdout


def _build(app, owner_email: str, period, client_ref: str | None = None):
    svc = app.extensions["fic"]
    with svc.db.session() as session:
        owner = session.scalar(select(Staff).where(Staff.email == owner_email))
        client = repository.client_by_ref(session, owner.clinic_id, client_ref) \
            if client_ref else None
        row, needed = requests.report_row(session, owner, period, client)
        report_id = row.id
    if needed:
        lifecycle.build(svc.db, svc.keys, svc.settings, ReportRenderer(), report_id)
    return report_id, needed


def test_after_fic_client_erase_no_stored_report_contains_the_clients_text(app):
    clinic = set_up_clinic(app)
    _course(app, clinic, "E-1", [9.5, 9.5, 9.5, 3.0], FORGET)
    _course(app, clinic, "K-1", [9.0, 4.0], "keep working on the plan")
    today = utcnow().date()
    period = Period.between(today - timedelta(days=60), today)
    old = Period.between(today - timedelta(days=400), today - timedelta(days=380))
    summary, _ = _build(app, clinic.supervisor, period)
    progress, _ = _build(app, clinic.supervisor, period, "E-1")
    untouched, _ = _build(app, clinic.supervisor, old)
    before = _text(app, summary, clinic.passphrase)
    assert FORGET in before and "E-1" in before

    result = app.test_cli_runner().invoke(client_group, ["erase", "--clinic", clinic.name,
                                                         "E-1", "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 stored report(s) that could show the client were purged" in result.output
    assert "4 session contact address(es)" in result.output

    with app.extensions["fic"].db.session() as session:
        stored = session.scalars(select(Report)).all()
        states = {row.id: (row.status, row.content_ct is None) for row in stored}
    assert states[summary] == ("purged", True) and states[progress] == ("purged", True)
    assert states[untouched] == ("ready", False)
    for report_id, (_status, empty) in states.items():
        if not empty:
            text = _text(app, report_id, clinic.passphrase)
            assert FORGET not in text and "E-1" not in text

    rebuilt, needed = _build(app, clinic.supervisor, period)
    assert rebuilt == summary and needed
    text = _text(app, rebuilt, clinic.passphrase)
    assert FORGET not in text and "E-1" not in text and "erased-" not in text
    assert "K-1" in text, "the other client is still in the rebuilt summary"
