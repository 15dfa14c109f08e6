"""The supervisor's PDF: AES-256 R6, the right figures, and no way out for client text."""

from __future__ import annotations

import dataclasses
import http.server
import io
import logging
import subprocess
import threading
from datetime import date, timedelta
from pathlib import Path

import pypdf
import pytest
from babel.dates import format_date
from click.testing import CliRunner
from sqlalchemy import select

from fic.cli import cli
from fic.services.alerts.acknowledgements import acknowledge
from fic.services.clinic import clinics
from fic.storage import repository
from fic.storage.models import Alert, Staff, utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form


class Canary:
    """A local HTTP server that records every request a renderer might make."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                canary.requests.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def weasyprint_warnings_fail(caplog):
    """The fontTools fallback (no libharfbuzz-subset0) is 10x slower: treat it as an error."""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        yield
    problems = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert not problems, problems


@pytest.fixture
def canary():
    server = Canary()
    yield server
    server.close()


def _course(app, clinic, ref, scores, last_comment="", clinician=None):
    api = app.test_client()
    target = clinic if clinician is None else dataclasses.replace(clinic, clinician=clinician)
    for week, score in enumerate(scores):
        held = utcnow() - timedelta(days=7 * (len(scores) - week))
        url = new_session(api, target, ref, held)["feedback_url"]
        if score is not None:
            comment = last_comment if week == len(scores) - 1 else ""
            submit_form(app.test_client(), url, answers(score, comment=comment))


def _report(app, clinic, out: Path, monkeypatch) -> date:
    """Build the summary of the last 60 days into `out`; returns the day it ended on."""
    settings = app.extensions["fic"].settings
    monkeypatch.setenv("FIC_INSTANCE_PATH", str(settings.instance_path))
    monkeypatch.setenv("FIC_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("FIC_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("FIC_DATA_KEYS", settings.data_keys)
    today = utcnow().date()
    result = CliRunner().invoke(cli, [
        "report", "--supervisor", clinic.supervisor, "--from",
        str(today - timedelta(days=60)), "--to", str(today), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return today


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)


def _acknowledge_rupture(app, staff_email, hours_later):
    services = app.extensions["fic"]
    with services.db.session() as session:
        alert = session.scalar(select(Alert).where(Alert.level == "rupture"))
        staff = session.scalar(select(Staff).where(Staff.email == staff_email))
    acknowledge(services.db, services.keys, alert.id, staff.id, "talked_in_session",
                "We named it and slowed down.", alert.created_at + timedelta(hours=hours_later))


def test_the_summary_is_aes256_r6_opens_only_with_the_passphrase_and_shows_each_supervisee(
    sqlite_app, tmp_path, monkeypatch
):
    clinic = set_up_clinic(sqlite_app)
    second = "second.clinician@clinic.test"
    with sqlite_app.extensions["fic"].db.session() as session:
        clinics.add_staff(session, repository.clinic_named(session, clinic.name), second,
                          "clinician", clinic.supervisor)
    _course(sqlite_app, clinic, "R-1", [9.5, 9.5, 9.5, 4.0], "Please slow down next time")
    _course(sqlite_app, clinic, "R-2", [8.0, None, 8.5])
    _course(sqlite_app, clinic, "S-1", [9.0, 9.2, 9.1], clinician=second)
    _acknowledge_rupture(sqlite_app, clinic.clinician, hours_later=5)
    out = tmp_path / "summary.pdf"
    _report(sqlite_app, clinic, out, monkeypatch)

    shown = _run("qpdf", f"--password={clinic.passphrase}", "--show-encryption", str(out))
    assert shown.returncode == 0 and "R = 6" in shown.stdout
    assert "AESv3" in shown.stdout
    assert _run("pdftotext", str(out), "-").returncode != 0
    assert _run("pdftotext", "-upw", "wrong-passphrase-000000", str(out), "-").returncode != 0
    text = _run("pdftotext", "-layout", "-upw", clinic.passphrase, str(out), "-").stdout
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if line.strip().startswith((clinic.clinician, second))}
    # Computed from the seeding above. First clinician: clients; 7 sessions,
    # 6 answered = 86%; alliance (38 + 38 + 38 + 16 + 32 + 34) / 6 = 32.7; R-1's drop opened
    # one rupture episode, still open (no later session); acknowledged 5 hours after.
    assert rows[clinic.clinician] == ["2", "7", "86%", "32.7", "1", "0", "0", "5", "h", "00",
                                      "min"]
    # Second clinician: one client, 3 of 3 answered, (36 + 36.8 + 36.4) / 3 = 36.4, no rupture.
    assert rows[second] == ["1", "3", "100%", "36.4", "0", "0", "0", "–"]
    flowing = _run("pdftotext", "-upw", clinic.passphrase, str(out), "-").stdout
    attention, rest = (" ".join(part.split()) for part in flowing.split("The rest of the caseload"))
    assert "R-1" in attention and "open rupture" in attention
    assert "Please slow down next time" in attention
    assert "talked it through in session" in attention
    # the rupture timeline says why, with the numbers
    assert "Usual level 38 of 40 (last 3 forms); today 16, 22 points lower" in attention
    assert "R-2" in rest and "S-1" in rest and "R-2" not in attention


@pytest.mark.parametrize(
    "payload",
    [
        '<img src="http://127.0.0.1:{port}/img">',
        '<link rel=attachment href=file:///etc/passwd>',
        '<link rel="stylesheet" href="http://127.0.0.1:{port}/css">',
        '<style>@import url(http://127.0.0.1:{port}/import); body{{font-size:99999px}}</style>',
        '<div style="background:url(http://127.0.0.1:{port}/bg)">x</div>',
        '<svg><image href="http://127.0.0.1:{port}/svg"/></svg>',
        '<object data="file:///etc/hostname"></object>{{{{7*7}}}}',
    ],
)
def test_markup_in_a_comment_fetches_nothing_attaches_nothing_and_shows_as_text(
    sqlite_app, tmp_path, monkeypatch, canary, payload
):
    comment = payload.format(port=canary.port)
    clinic = set_up_clinic(sqlite_app)
    _course(sqlite_app, clinic, "X-1", [9.5, 9.5, 9.5, 3.0], comment)
    out = tmp_path / "summary.pdf"
    _report(sqlite_app, clinic, out, monkeypatch)
    assert canary.requests == []
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    assert reader.decrypt(clinic.passphrase)
    assert reader.attachments == {}
    text = _run("pdftotext", "-upw", clinic.passphrase, str(out), "-").stdout
    visible = "".join(text.split())
    assert "".join(comment.split())[:25] in visible


def test_a_supervisor_who_reads_french_gets_the_summary_in_french_with_french_dates(
    sqlite_app, tmp_path, monkeypatch
):
    clinic = set_up_clinic(sqlite_app)
    with sqlite_app.extensions["fic"].db.session() as session:
        repository.staff_by_email(session, clinic.supervisor).language = "fr"
    _course(sqlite_app, clinic, "F-1", [9.5, 9.5, 9.5, 4.0], "On est allés trop vite")
    _acknowledge_rupture(sqlite_app, clinic.clinician, hours_later=2)
    out = tmp_path / "synthese.pdf"
    ended = _report(sqlite_app, clinic, out, monkeypatch)
    text = " ".join(_run("pdftotext", "-upw", clinic.passphrase, str(out), "-").stdout.split())
    for french in ("Synthèse de supervision", "Dossiers par supervisé", "Alliance moyenne",
                   "Clients qui demandent de l'attention", "rupture ouverte",
                   "Chronologie des ruptures", "en a parlé en séance", "Page 1 sur"):
        assert french in text, french
    start = ended - timedelta(days=60)  # the period the report was asked for, past midnight too
    assert format_date(start, "medium", locale="fr") in text  # e.g. "2 oct. 2026"
    for english in ("Supervision summary", "Caseload by supervisee", "open rupture",
                    "talked it through"):
        assert english not in text, english
