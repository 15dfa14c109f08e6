"""Acknowledging by API, CLI and signed link; readiness for orchestrators; crisis text."""

from __future__ import annotations

import uuid
from datetime import timedelta

from click.testing import CliRunner
from flask.cli import ScriptInfo

from fic import create_app
from fic.cli import cli
from fic.services.alerts import ack_links
from fic.services.clinic import delivery_settings
from fic.services.core import outbox
from fic.storage import repository
from fic.storage.models import Alert, Outbox, utcnow
from tests.conftest import make_settings
from tests.delivery.helpers import alert_case
from tests.delivery.procs import free_port
from tests.flows import answers, new_session, set_up_clinic, submit_form


def test_the_api_acknowledges_an_alert_of_its_own_clinic_and_404s_any_other(app):
    case = alert_case(app)
    other = alert_case(app, name="Other Clinic")
    api = app.test_client()
    body = {"staff": case.clinic.clinician, "action": "adjusted_approach", "note": "spoke"}
    auth = {"Authorization": f"Bearer {case.clinic.api_key}"}
    outside = api.post(f"/api/v1/alerts/{other.alert_id}/ack", json=body, headers=auth)
    assert outside.status_code == 404
    assert api.post(f"/api/v1/alerts/{uuid.uuid4()}/ack", json=body, headers=auth).status_code \
        == 404
    assert api.post(f"/api/v1/alerts/{case.alert_id}/ack", json=body).status_code == 401
    bad = api.post(f"/api/v1/alerts/{case.alert_id}/ack", json={**body, "action": "x"},
                   headers=auth)
    assert bad.status_code == 422
    done = api.post(f"/api/v1/alerts/{case.alert_id}/ack", json=body, headers=auth)
    assert done.status_code == 200 and done.get_json()["action"] == "adjusted_approach"
    with app.extensions["fic"].db.session() as session:
        assert session.get(Alert, case.alert_id).acknowledged_at is not None
        assert session.get(Alert, other.alert_id).acknowledged_at is None


def test_the_cli_acknowledges_an_alert(sqlite_app):
    case = alert_case(sqlite_app)
    out = CliRunner().invoke(
        cli, ["alert", "ack", str(case.alert_id), "--staff", case.clinic.supervisor,
              "--action", "consulted_supervisor"],
        obj=ScriptInfo(create_app=lambda: sqlite_app))
    assert out.exit_code == 0, out.output
    assert "acknowledged: consulted_supervisor" in out.output
    with sqlite_app.extensions["fic"].db.session() as session:
        assert session.get(Alert, case.alert_id).acknowledged_at is not None


def test_the_signed_link_in_an_alert_email_leads_to_the_staff_sign_in(sqlite_app, mail):
    case = alert_case(sqlite_app)
    settings = sqlite_app.extensions["fic"].settings
    token = ack_links.make(settings.secret_key, case.alert_id, case.clinician_id)
    web = sqlite_app.test_client()
    opened = web.get(f"/ack/{token}")
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/staff/alerts/{case.alert_id}"
    landing = web.get(opened.headers["Location"])
    assert landing.status_code in (302, 303) and "sign-in" in landing.headers["Location"]
    assert web.get(f"/ack/{token[:-2]}xx").status_code == 404


def test_readyz_reports_the_database_and_a_stuck_outbox(sqlite_app):
    web = sqlite_app.test_client()
    assert web.get("/healthz").status_code == 200
    ready = web.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["broker"] == "embedded"
    with sqlite_app.extensions["fic"].db.session() as session:
        row_id = outbox.add(session, "fic.evaluate_response", uuid.uuid4())
        session.flush()
        session.get(Outbox, row_id).created_at = utcnow() - timedelta(hours=1)
    stuck = web.get("/readyz")
    assert stuck.status_code == 503 and stuck.get_json()["outbox_oldest_seconds"] > 3000


def test_readyz_says_not_ready_when_the_broker_is_unreachable(tmp_path, mail):
    app = create_app(make_settings(tmp_path / "i", mail,
                                   redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    app.extensions["fic"].db.upgrade()
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["broker"] == "unreachable"


def test_the_thank_you_page_shows_the_clinics_crisis_text_only_after_risk_language(
    sqlite_app, mail
):
    clinic = set_up_clinic(sqlite_app)
    svc = sqlite_app.extensions["fic"]
    with svc.db.session() as session:
        clinic_id = repository.clinic_named(session, clinic.name).id
        delivery_settings.update(session, clinic_id, crisis_text={
            "en": "Call the Test Clinic crisis line: 0800 000 000.",
            "de": "Rufen Sie die Krisenlinie an: 0800 000 000."})
    api = sqlite_app.test_client()
    pages = {}
    for ref, comment, language in (("T-1", "the session felt rushed", "en"),
                                   ("T-2", "Ich will nicht mehr leben", "de"),
                                   ("T-3", "", "en")):
        url = new_session(api, clinic, ref, utcnow(), language=language)["feedback_url"]
        browser = sqlite_app.test_client()
        sent = submit_form(browser, url, answers(9.0, comment=comment))
        assert sent.headers["Location"].startswith("/thanks")
        pages[ref] = browser.get(sent.headers["Location"]).get_data(True)
    assert "Krisenlinie" in pages["T-2"] and "Wenn Sie jetzt Hilfe brauchen" in pages["T-2"]
    for ref in ("T-1", "T-3"):
        assert "crisis" not in pages[ref].lower() and "If you need help now" not in pages[ref]
    for page in pages.values():  # nothing says what was detected
        assert "leben" not in page and "risk" not in page.lower() and "detected" not in page
