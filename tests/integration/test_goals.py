"""Goals set together: a clinician names them on the course page, the client rates them on
the form in their own words, and the course page, the progress report and the supervision
summary show them."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

from sqlalchemy import select

from fic.reports.render import ReportRenderer
from fic.services.reports import lifecycle, requests
from fic.services.reports.periods import Period
from fic.storage import repository
from fic.storage.models import Client, utcnow
from fic.storage.models_goals import ClientGoal
from tests.flows import answers, csrf_token, new_session, path_of, set_up_clinic
from tests.staff_flows import make_account, post_form, signed_in_client

SLEEP = "Sleep through most nights"
CALLS = "Call my sister every week"


def _clinician_page(app, clinic):
    return signed_in_client(app, clinic.clinician, make_account(app, clinic.clinician))


def _client_id(app, ref):
    with app.extensions["fic"].db.session() as session:
        return session.scalar(select(Client.id).where(Client.client_ref == ref))


def _goals(staff, client_id, **fields):
    return post_form(staff, "/staff/account", fields, action=f"/staff/clients/{client_id}/goals")


def _answer(app, url, **goal_scores):
    browser = app.test_client()
    html = browser.get(path_of(url)).get_data(as_text=True)
    fields = {"csrf_token": csrf_token(html), **answers(9), **goal_scores}
    assert browser.post(path_of(url), data=fields).status_code == 303
    return html


def _pdf_text(app, owner_email, passphrase, client_ref=None):
    svc = app.extensions["fic"]
    today = utcnow().date()
    with svc.db.session() as session:
        owner = repository.staff_by_email(session, owner_email)
        who = requests.Owner(staff_id=owner.id)
    asked = requests.request_report(svc.db, who, Period.between(
        today - timedelta(days=30), today), client_ref)
    lifecycle.build(svc.db, svc.keys, svc.settings, ReportRenderer(), asked.id)
    pdf = lifecycle.stored_pdf(svc.db, svc.keys, asked.id)
    done = subprocess.run(["pdftotext", "-layout", "-upw", passphrase, "-", "-"], input=pdf,
                          capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def test_a_clinician_sets_two_goals_the_client_rates_them_and_the_chart_and_pdf_show_them(
    sqlite_app
):
    app = sqlite_app
    clinic = set_up_clinic(app)
    api = app.test_client()
    first = new_session(api, clinic, "G-1", utcnow() - timedelta(days=14))["feedback_url"]
    client_id = _client_id(app, "G-1")
    staff = _clinician_page(app, clinic)
    assert _goals(staff, client_id, action="name", wording=SLEEP).status_code == 303
    assert _goals(staff, client_id, action="name", wording=CALLS).status_code == 303

    form = _answer(app, first, goal_1="4", goal_2="7")
    assert SLEEP in form and CALLS in form
    assert 'name="goal_3"' not in form  # no third goal: not asked
    second = new_session(api, clinic, "G-1", utcnow() - timedelta(days=7))["feedback_url"]
    _answer(app, second, goal_1="6", goal_2="7.5")

    course = staff.get(f"/staff/clients/{client_id}").get_data(as_text=True)
    assert SLEEP in course and CALLS in course
    chart = re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="Goal ratings per '
                      r'session: Goal 1 \(Sleep through most nights\): session 1: 4\.0, '
                      r'session 2: 6\.0; Goal 2', course)
    assert chart, "the course page draws the goal lines"
    with app.extensions["fic"].db.session() as session:
        sealed = [g.wording_ct for g in session.scalars(select(ClientGoal))]
    assert len(sealed) == 2 and all(b"Sleep" not in ct and b"sister" not in ct for ct in sealed)

    progress = _pdf_text(app, clinic.supervisor, clinic.passphrase, "G-1")
    assert "Goals set together" in progress
    assert f"Goal 1 {SLEEP} 4.0 → 6.0" in progress and f"Goal 2 {CALLS} 7.0 → 7.5" in progress
    summary = _pdf_text(app, clinic.supervisor, clinic.passphrase)
    assert "clients with goals 1, moving towards them 1" in summary


def test_a_goal_is_reworded_or_retired_and_a_new_one_takes_the_free_slot(sqlite_app):
    app = sqlite_app
    clinic = set_up_clinic(app)
    api = app.test_client()
    url = new_session(api, clinic, "G-2", utcnow())["feedback_url"]
    client_id = _client_id(app, "G-2")
    staff = _clinician_page(app, clinic)
    for wording in (SLEEP, CALLS, "Go back to the choir"):
        _goals(staff, client_id, action="name", wording=wording)
    refused = _goals(staff, client_id, action="name", wording="A fourth goal")
    assert "three+goals+are+set" in refused.headers["Location"]
    with app.extensions["fic"].db.session() as session:
        ids = {g.slot: str(g.id) for g in session.scalars(select(ClientGoal))}
    _goals(staff, client_id, action="reword", goal=ids[2], wording="Call my sister")
    _goals(staff, client_id, action="retire", goal=ids[1])
    _goals(staff, client_id, action="name", wording="Walk to work")
    form = app.test_client().get(path_of(url)).get_data(as_text=True)
    assert "Walk to work" in form
    assert SLEEP not in form and CALLS not in form and "Call my sister" in form
    assert "Go back to the choir" in form
    elsewhere = set_up_clinic(app, "Other Clinic")
    outsider = _clinician_page(app, elsewhere)
    assert _goals(outsider, client_id, action="name", wording="x").status_code == 404
