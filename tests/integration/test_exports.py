"""`fic export csv`: the clinic's own history runs through `fic backtest` to the same result."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from fic.cli.backtest import backtest
from fic.cli.export import export_group
from fic.domain.ruptures import PUSHED
from fic.services.core import audit
from fic.storage import repository
from fic.storage.models import Alert, Client, Episode, utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form

COURSES = {
    "A-1": [9.5, 9.4, 9.5, 9.6, 5.0, 9.5, 9.4],
    "B-2": [9.0, None, 9.2, 9.1, 8.9, 4.5, 5.0, None, 9.0],
    "C-3": [9.8, 9.7, 9.9, 9.8],
}


def _courses(app):
    clinic = set_up_clinic(app)
    api = app.test_client()
    for ref, scores in COURSES.items():
        for week, score in enumerate(scores):
            held = utcnow() - timedelta(weeks=len(scores) - week)
            url = new_session(api, clinic, ref, held)["feedback_url"]
            if score is not None:
                tension = "some" if (ref, week) == ("B-2", 5) else "none"
                submit_form(app.test_client(), url, answers(score, tension))
    return clinic


def _stored(app):
    """What the worker stored: episodes by course number, alerts by session number."""
    with app.extensions["fic"].db.session() as session:
        episodes, alerts = set(), set()
        for client in session.scalars(select(Client)):
            index = [s for s, _ in repository.session_index(session, client.id)]
            number_of = {session_id: n for n, session_id in enumerate(index, 1)}
            for e in session.scalars(select(Episode).where(Episode.client_id == client.id)):
                closed = number_of[e.closed_session_id] if e.closed_session_id else None
                episodes.add((client.client_ref, e.number, e.state,
                              number_of[e.opened_session_id], closed, tuple(e.rules)))
            for a in session.scalars(select(Alert).where(Alert.client_id == client.id)):
                response_session = repository.course(session, client.id).sessions
                n = next(i for i, (_, r) in enumerate(response_session, 1)
                         if r is not None and r.id == a.response_id)
                if a.level in PUSHED:  # watch cues stay on the dashboard, as in backtest
                    alerts.add((client.client_ref, n, a.rule, a.level))
    return episodes, alerts


def _export(app, tmp_path, *extra):
    out = tmp_path / f"history-{len(list(tmp_path.glob('*.csv')))}.csv"
    result = app.test_cli_runner().invoke(
        export_group, ["csv", "--clinic", "Test Clinic", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _backtest(path):
    result = CliRunner().invoke(backtest, [str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_exported_history_backtests_to_the_episodes_and_alerts_the_worker_stored(
        sqlite_app, tmp_path):
    _courses(sqlite_app)
    episodes, alerts = _stored(sqlite_app)
    assert episodes and alerts, "the courses raise something to compare"
    replay = _backtest(_export(sqlite_app, tmp_path))
    assert {(e["client_ref"], e["number"], e["state"], e["opened_at"], e["closed_at"],
             tuple(e["rules"])) for e in replay["episodes"]} == episodes
    assert {(a["client_ref"], a["session_number"], a["rule"], a["level"])
            for a in replay["alerts"]} == alerts


def test_the_research_extract_has_fresh_pseudonyms_shifted_dates_and_the_same_episodes(
        sqlite_app, tmp_path):
    _courses(sqlite_app)
    plain = _rows(_export(sqlite_app, tmp_path))
    first = _export(sqlite_app, tmp_path, "--research")
    rows = _rows(first)
    refs = {row["client_ref"] for row in rows}
    assert len(refs) == 3 and not refs & set(COURSES)
    again = {row["client_ref"] for row in _rows(_export(sqlite_app, tmp_path, "--research"))}
    assert not refs & again, "each export salts its pseudonyms afresh"
    assert [r["session_date"] for r in rows] != [r["session_date"] for r in plain]
    states = sorted(e["state"] for e in _backtest(first)["episodes"])
    assert states == sorted(e["state"] for e in _backtest(_export(sqlite_app, tmp_path))
                            ["episodes"])


def test_research_dates_can_be_reduced_to_session_numbers(sqlite_app, tmp_path):
    _courses(sqlite_app)
    rows = _rows(_export(sqlite_app, tmp_path, "--research", "--dates", "numbers"))
    assert {(r["session_number"], r["session_date"]) for r in rows if r["session_number"] == "3"
            } == {("3", "2000-01-17")}


def test_every_export_is_audited_and_a_date_range_narrows_it(sqlite_app, tmp_path):
    _courses(sqlite_app)
    since = (utcnow() - timedelta(weeks=2)).date().isoformat()
    rows = _rows(_export(sqlite_app, tmp_path, "--from", since))
    assert rows and all(r["session_date"] >= since for r in rows)
    with sqlite_app.extensions["fic"].db.session() as session:
        clinic = repository.clinic_named(session, "Test Clinic")
        assert [e.outcome for e in audit.events(session, clinic.id, action="export")] == ["csv"]
