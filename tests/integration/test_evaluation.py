"""The worker's evaluation over a stored course: episodes, one alert each, safety at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fic.services.evaluation import evaluate_response
from fic.storage.models import Alert, Episode, Response, utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form


def _course(app, scores, comments=None, ref="E-1"):
    """One form a week; None = the client never answered that week's link."""
    clinic = set_up_clinic(app)
    api = app.test_client()
    for week, score in enumerate(scores):
        held = utcnow() - timedelta(weeks=len(scores) - week)
        url = new_session(api, clinic, ref, held)["feedback_url"]
        if score is not None:
            comment = (comments or {}).get(week, "")
            assert submit_form(app.test_client(), url, answers(score, comment=comment)
                               ).status_code == 303
    return clinic


def _alerts(app):
    with app.extensions["fic"].db.session() as session:
        return [(a.rule, a.level) for a in session.scalars(
            select(Alert).where(Alert.level != "watch").order_by(Alert.created_at))]


def _episodes(app):
    with app.extensions["fic"].db.session() as session:
        return [(e.number, e.state) for e in session.scalars(select(Episode).order_by(
            Episode.number))]


def test_a_v_shaped_drop_opens_one_episode_that_the_next_session_repairs(sqlite_app, mail):
    clinic = _course(sqlite_app, [9.5, 9.4, 9.5, 9.6, 5.0, 9.5])
    assert [level for _, level in _alerts(sqlite_app)] == ["rupture"]
    assert _episodes(sqlite_app) == [(1, "repaired")]
    assert {m["To"] for m in mail.messages} == {clinic.clinician, clinic.supervisor}


def test_low_scores_that_stay_low_do_not_alert_again(sqlite_app):
    _course(sqlite_app, [9.5, 9.5, 9.6, 9.5, 5.0, 5.1, 4.9])
    assert sum(1 for _, level in _alerts(sqlite_app) if level == "rupture") == 1
    assert len(_episodes(sqlite_app)) == 1


def test_missed_forms_never_raise_a_rupture(sqlite_app, mail):
    _course(sqlite_app, [9.5, None, 9.4, None, None, 9.5, None])
    assert _alerts(sqlite_app) == []
    assert _episodes(sqlite_app) == []
    assert mail.messages == []


def test_risk_language_in_a_comment_raises_an_urgent_alert_at_once(sqlite_app, mail):
    clinic = _course(sqlite_app, [9.5, 9.6],
                     comments={1: "Some weeks I think about ending my life."})
    assert ("S1", "urgent") in _alerts(sqlite_app)
    urgent = [m for m in mail.messages if "URGENT" in m["Subject"]]
    assert {m["To"] for m in urgent} == {clinic.clinician, clinic.supervisor}
    assert all("ending my life" not in mail.text(m) for m in mail.messages)


def test_evaluating_the_same_response_again_adds_nothing(sqlite_app, mail):
    _course(sqlite_app, [9.5, 9.4, 9.6, 9.5, 4.0])
    services = sqlite_app.extensions["fic"]
    with services.db.session() as session:
        last = session.scalars(select(Response).order_by(Response.submitted_at)).all()[-1]
    before = (_alerts(sqlite_app), _episodes(sqlite_app), len(mail.messages))
    assert evaluate_response(services.db, services.keys, services.settings, last.id) == ()
    assert (_alerts(sqlite_app), _episodes(sqlite_app), len(mail.messages)) == before
