"""The worker's evaluation over a stored course: episodes, one alert each, safety at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from fic.services.alerts.evaluation import evaluate_response
from fic.storage import repository
from fic.storage.models import Alert, Client, Episode, Response, utcnow
from fic.storage.models_course import CourseState
from tests.flows import answers, new_session, set_up_clinic, submit_form
from tests.staff_flows import make_account, signed_in_client


def _course(app, scores, comments=None, ref="E-1"):
    """One form a week; None = the client never answered that week's link; a dict = the
    fields of a partial form the client chose to send as it is."""
    clinic = set_up_clinic(app)
    api = app.test_client()
    for week, score in enumerate(scores):
        held = utcnow() - timedelta(weeks=len(scores) - week)
        url = new_session(api, clinic, ref, held)["feedback_url"]
        if isinstance(score, dict):
            fields = {**score, "send_as_it_is": "1"}
            assert submit_form(app.test_client(), url, fields).status_code == 303
        elif score is not None:
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


def test_the_rupture_alert_and_its_episode_keep_the_reason_but_the_email_does_not(
    sqlite_app, mail
):
    _course(sqlite_app, [9.5, 9.4, 9.5, 9.6, 5.0, 9.5])
    with sqlite_app.extensions["fic"].db.session() as session:
        alert = session.scalars(select(Alert).where(Alert.level == "rupture")).one()
        episode = session.scalars(select(Episode)).one()
        assert alert.reason.startswith("Usual level 38 of 40 (last 4 forms); today 20, 18 ")
        assert episode.reason == alert.reason
    assert mail.messages and all("Usual level" not in m.as_string() for m in mail.messages)


def test_the_alert_page_and_the_client_course_page_show_why_with_the_numbers(sqlite_app):
    clinic = _course(sqlite_app, [9.5, 9.4, 9.5, 9.6, 5.0, 9.5])
    with sqlite_app.extensions["fic"].db.session() as session:
        alert = session.scalars(select(Alert).where(Alert.level == "rupture")).one()
        alert_id, client_id = alert.id, alert.client_id
    staff = signed_in_client(sqlite_app, clinic.clinician,
                             make_account(sqlite_app, clinic.clinician, totp=False))
    why = "Usual level 38 of 40 (last 4 forms); today 20, 18 points lower."
    for page in (f"/staff/alerts/{alert_id}", f"/staff/clients/{client_id}"):
        html = staff.get(page).get_data(as_text=True)
        assert why in html and "counts as a rupture for this client" in html, page


def test_low_scores_that_stay_low_do_not_alert_again(sqlite_app):
    _course(sqlite_app, [9.5, 9.5, 9.6, 9.5, 5.0, 5.1, 4.9])
    assert sum(1 for _, level in _alerts(sqlite_app) if level == "rupture") == 1
    assert len(_episodes(sqlite_app)) == 1


def test_missed_forms_never_raise_a_rupture(sqlite_app, mail):
    _course(sqlite_app, [9.5, None, 9.4, None, None, 9.5, None])
    assert _alerts(sqlite_app) == []
    assert _episodes(sqlite_app) == []
    assert mail.messages == []


def test_partial_and_untouched_forms_never_raise_a_rupture(sqlite_app, mail):
    steady = [9.5, 9.4, 9.6, 9.5]
    _course(sqlite_app, [*steady, {"safety": "1", "heard": "2"}, {}, {"tension": "none"}, 9.5])
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


def _signals_by_session(app, client_ref):
    """(session number, rule, level) of every alert of one client, and its episodes."""
    with app.extensions["fic"].db.session() as session:
        client = session.scalar(select(Client).where(Client.client_ref == client_ref))
        numbers = {sid: n for n, (sid, _) in enumerate(
            repository.session_index(session, client.id), 1)}
        alerts = sorted((numbers[session.get(Response, a.response_id).session_id], a.rule,
                         a.level) for a in session.scalars(
            select(Alert).where(Alert.client_id == client.id)))
        episodes = [(e.number, e.state, tuple(e.rules)) for e in session.scalars(
            select(Episode).where(Episode.client_id == client.id).order_by(Episode.number))]
    return alerts, episodes


SCORES = [9.5, 9.4, None, 9.6, 9.5, 6.0, 9.4, 9.5, None, None, 8.1, 7.9, 7.5, 9.0, 4.5, 9.6]


def test_continuing_from_the_kept_state_gives_what_the_whole_course_gives(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = sqlite_app.test_client()
    db = sqlite_app.extensions["fic"].db
    for week, score in enumerate(SCORES):
        held = utcnow() - timedelta(weeks=len(SCORES) - week)
        for ref in ("KEPT", "WHOLE"):
            url = new_session(api, clinic, ref, held)["feedback_url"]
            if score is None:
                continue
            submit_form(sqlite_app.test_client(), url, answers(score))
            if ref == "WHOLE":  # forget the state: every evaluation folds the whole course
                with db.session() as session:
                    session.execute(delete(CourseState))
    kept, whole = _signals_by_session(sqlite_app, "KEPT"), _signals_by_session(sqlite_app, "WHOLE")
    assert kept == whole
    assert any(level == "rupture" for _, _, level in kept[0])


def test_the_next_form_does_not_re_read_the_course(sqlite_app, monkeypatch):
    clinic = set_up_clinic(sqlite_app)
    api = sqlite_app.test_client()
    for week, score in enumerate((9.5, 9.4, 9.6)):
        url = new_session(api, clinic, "NEXT", utcnow() - timedelta(weeks=3 - week))
        submit_form(sqlite_app.test_client(), url["feedback_url"], answers(score))

    def no_course(*_args):
        raise AssertionError("the whole course was read")

    monkeypatch.setattr(repository, "course", no_course)
    url = new_session(api, clinic, "NEXT", utcnow())["feedback_url"]
    submit_form(sqlite_app.test_client(), url, answers(4.0))
    alerts, episodes = _signals_by_session(sqlite_app, "NEXT")
    assert [(n, level) for n, _, level in alerts if level != "watch"] == [(4, "rupture")]
    assert episodes[0][:2] == (1, "open")


def test_a_form_answered_late_is_judged_against_the_whole_course(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = sqlite_app.test_client()
    held = [utcnow() - timedelta(weeks=6 - week) for week in range(6)]
    in_order = [new_session(api, clinic, "ORDERED", h)["feedback_url"] for h in held]
    late = [new_session(api, clinic, "LATE", h)["feedback_url"] for h in held]
    scores = [9.5, 9.4, 9.6, 9.5, 4.0, 9.4]
    for url, score in zip(in_order, scores, strict=True):
        submit_form(sqlite_app.test_client(), url, answers(score))
    for week in (0, 1, 2, 4, 5, 3):  # the fourth week's form comes in last
        submit_form(sqlite_app.test_client(), late[week], answers(scores[week]))
    ordered, answered_late = (_signals_by_session(sqlite_app, ref) for ref in ("ORDERED", "LATE"))
    assert [a for a in answered_late[0] if a[2] != "watch"] == [
        a for a in ordered[0] if a[2] != "watch"]
    assert answered_late[1] == ordered[1]


def test_a_session_recorded_late_with_an_earlier_date_does_not_confuse_the_kept_state(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = sqlite_app.test_client()
    for ref in ("BACKDATED", "PLAIN"):
        for week, score in enumerate((9.5, 9.4, 9.6)):
            url = new_session(api, clinic, ref, utcnow() - timedelta(weeks=6 - week))
            submit_form(sqlite_app.test_client(), url["feedback_url"], answers(score))
    # a session from before the first one, recorded only now and never answered
    new_session(api, clinic, "BACKDATED", utcnow() - timedelta(weeks=9))
    new_session(api, clinic, "PLAIN", utcnow() - timedelta(weeks=2, days=1))
    for ref in ("BACKDATED", "PLAIN"):
        url = new_session(api, clinic, ref, utcnow())["feedback_url"]
        submit_form(sqlite_app.test_client(), url, answers(4.0))
    backdated, plain = (_signals_by_session(sqlite_app, ref) for ref in ("BACKDATED", "PLAIN"))
    assert [(level, rule) for _, rule, level in backdated[0] if level != "watch"] == [
        (level, rule) for _, rule, level in plain[0] if level != "watch"]
    assert backdated[1] == plain[1]
