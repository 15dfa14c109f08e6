"""One course model for the staff course page and the PDF: the same stored episodes, even
after the clinic's policy changed, and the same clients needing attention."""

from __future__ import annotations

import logging
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

from babel.dates import format_date
from click.testing import CliRunner
from sqlalchemy import select

from fic.cli import cli
from fic.services.clinic.policies import install_policy_text
from fic.storage import repository
from fic.storage.models import Alert, Episode, TherapySession, utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form
from tests.staff_flows import make_account, signed_in_client

# Rules that would not open the episode the drop below opened, were the course re-assessed.
QUIETER = '{"disabled_rules": ["R2", "R3", "R4"]}'


def _course(app, clinic, ref: str, scores: list[float | None], comment: str = "") -> uuid.UUID:
    api = app.test_client()
    for week, score in enumerate(scores):
        held = utcnow() - timedelta(days=7 * (len(scores) - week))
        url = new_session(api, clinic, ref, held)["feedback_url"]
        last = week == len(scores) - 1
        if score is not None:
            submit_form(app.test_client(), url, answers(score, comment=comment if last else ""))
    with app.extensions["fic"].db.session() as session:
        return repository.client_by_ref(session, repository.clinic_named(
            session, clinic.name).id, ref).id


def _pdf_text(app, clinic, out: Path, monkeypatch, *options: str) -> str:
    settings = app.extensions["fic"].settings
    for name, value in (("FIC_INSTANCE_PATH", str(settings.instance_path)),
                        ("FIC_DATABASE_URL", settings.sqlalchemy_url),
                        ("FIC_SECRET_KEY", settings.secret_key),
                        ("FIC_DATA_KEYS", settings.data_keys)):
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["report", "--supervisor", clinic.supervisor, *options,
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    shown = subprocess.run(["pdftotext", "-upw", clinic.passphrase, str(out), "-"],
                           capture_output=True, text=True, check=True).stdout
    return " ".join(shown.split())


def _page(app, clinic, client_id: uuid.UUID) -> str:
    web = signed_in_client(app, clinic.clinician, make_account(app, clinic.clinician))
    page = web.get(f"/staff/clients/{client_id}")
    assert page.status_code == 200
    return " ".join(page.get_data(as_text=True).split())


def test_the_page_and_the_pdf_show_the_stored_episode_after_the_policy_changed(
    sqlite_app, tmp_path, monkeypatch
):
    clinic = set_up_clinic(sqlite_app)
    client_id = _course(sqlite_app, clinic, "P-1", [9.5, 9.5, 9.5, 4.0])
    with sqlite_app.extensions["fic"].db.session() as session:
        [stored] = session.scalars(select(Episode)).all()
        assert stored.state == "open" and stored.client_id == client_id
    install_policy_text(sqlite_app.extensions["fic"].settings, _clinic_id(sqlite_app, clinic),
                        QUIETER)
    page = _page(sqlite_app, clinic, client_id)
    pdf = _pdf_text(sqlite_app, clinic, tmp_path / "progress.pdf", monkeypatch,
                    "--client", "P-1")
    assert "Episode 1, from session 4: open: not repaired yet." in page
    assert f"Episode 1 opened {_held(sqlite_app, stored.opened_session_id)} open" in pdf
    assert "Episode 2" not in page and "Episode 2" not in pdf


def test_a_client_with_an_open_urgent_alert_is_one_needing_attention(
    sqlite_app, tmp_path, monkeypatch
):
    clinic = set_up_clinic(sqlite_app)
    _course(sqlite_app, clinic, "U-1", [9.6, 9.6], comment="I want to end my life")
    _course(sqlite_app, clinic, "Q-1", [9.6, 9.6])
    with sqlite_app.extensions["fic"].db.session() as session:
        assert {a.level for a in session.scalars(select(Alert))} >= {"urgent"}
        assert not session.scalars(select(Episode)).all()
    today = utcnow().date()
    text = _pdf_text(sqlite_app, clinic, tmp_path / "summary.pdf", monkeypatch,
                     "--from", str(today - timedelta(days=30)), "--to", str(today))
    attention, rest = text.split("The rest of the caseload")
    assert "U-1" in attention and "urgent: safety words" in attention
    assert "Q-1" in rest and "Q-1" not in attention


def _held(app, session_id: uuid.UUID) -> str:
    """The day a session was held, as an English report prints it (the clinic's zone is UTC)."""
    with app.extensions["fic"].db.session() as session:
        return format_date(session.get(TherapySession, session_id).held_at.date(), "medium",
                           locale="en")


def _clinic_id(app, clinic) -> uuid.UUID:
    with app.extensions["fic"].db.session() as session:
        return repository.clinic_named(session, clinic.name).id


def test_a_client_who_answered_no_form_yet_is_drawn_on_empty_axes_without_a_fetch(
    sqlite_app, tmp_path, monkeypatch, caplog
):
    clinic = set_up_clinic(sqlite_app)
    _course(sqlite_app, clinic, "N-1", [None, None])
    today = utcnow().date()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        text = _pdf_text(sqlite_app, clinic, tmp_path / "summary.pdf", monkeypatch,
                         "--from", str(today - timedelta(days=30)), "--to", str(today))
    assert "N-1" in text
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
