"""Clients that change: created ahead of time, reassigned, discharged; keys with scopes."""

from __future__ import annotations

from datetime import timedelta

from fic.services.clinic import clinics
from fic.services.core import audit
from fic.storage import repository
from fic.storage.models import utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form
from tests.staff_flows import make_account, signed_in_client

OTHER = "second.clinician@clinic.test"


def _api(app, clinic):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {clinic.api_key}"
    return client


def _second_clinician(app, clinic):
    with app.extensions["fic"].db.session() as session:
        row = repository.clinic_named(session, clinic.name)
        clinics.add_staff(session, row, OTHER, "clinician", clinic.supervisor)


def test_a_reassigned_clients_next_alert_goes_to_the_new_clinician_and_the_old_one_gets_404(
        sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    _second_clinician(sqlite_app, clinic)
    api = _api(sqlite_app, clinic)
    for week, score in enumerate((9.5, 9.4, 9.6, 9.5)):
        made = new_session(api, clinic, "R-1", utcnow() - timedelta(weeks=6 - week))
        submit_form(sqlite_app.test_client(), made["feedback_url"], answers(score))
    [client] = api.get("/api/v1/clients").get_json()["items"]
    moved = api.post(f"/api/v1/clients/{client['id']}/reassign", json={"clinician": OTHER})
    assert moved.status_code == 200 and moved.get_json()["clinician"] == OTHER
    assert mail.messages == []
    made = api.post("/api/v1/sessions", json={
        "client_ref": "R-1", "clinician": OTHER,
        "held_at": (utcnow() - timedelta(days=1)).isoformat()}).get_json()
    submit_form(sqlite_app.test_client(), made["feedback_url"], answers(4.0))
    alerted = {m["To"] for m in mail.wait_for(2)}
    assert OTHER in alerted and clinic.clinician not in alerted
    old = signed_in_client(sqlite_app, clinic.clinician, make_account(sqlite_app,
                                                                      clinic.clinician))
    new = signed_in_client(sqlite_app, OTHER, make_account(sqlite_app, OTHER))
    assert old.get(f"/staff/clients/{client['id']}").status_code == 404
    assert new.get(f"/staff/clients/{client['id']}").status_code == 200
    responses = api.get(f"/api/v1/clients/{client['id']}/responses").get_json()["items"]
    assert len(responses) == 5, "the history stays with the client"


def test_a_client_created_ahead_of_time_keeps_one_record_when_the_first_session_comes(
        sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = _api(sqlite_app, clinic)
    created = api.post("/api/v1/clients", json={"client_ref": "N-1",
                                                "clinician": clinic.clinician})
    assert created.status_code == 201 and created.get_json()["sessions"] == 0
    again = api.post("/api/v1/clients", json={"client_ref": "N-1", "clinician": clinic.clinician})
    assert again.status_code == 200 and again.get_json()["id"] == created.get_json()["id"]
    new_session(api, clinic, "N-1", utcnow())
    shown = api.get(f"/api/v1/clients/{created.get_json()['id']}").get_json()
    assert shown["sessions"] == 1 and shown["status"] == "active"


def test_a_discharged_client_gets_no_more_sessions_but_keeps_their_data(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = _api(sqlite_app, clinic)
    made = new_session(api, clinic, "D-1", utcnow() - timedelta(days=3))
    submit_form(sqlite_app.test_client(), made["feedback_url"], answers(9.0))
    client_id = api.get(f"/api/v1/sessions/{made['id']}").get_json()["client_id"]
    done = api.post(f"/api/v1/clients/{client_id}/discharge")
    assert done.get_json()["status"] == "discharged"
    refused = api.post("/api/v1/sessions", json={"client_ref": "D-1", "clinician": clinic.clinician,
                                                 "held_at": utcnow().isoformat()})
    assert refused.status_code == 422 and "discharged" in refused.get_json()["detail"]
    waiting = new_session(api, clinic, "D-2", utcnow())
    other_id = api.get(f"/api/v1/sessions/{waiting['id']}").get_json()["client_id"]
    api.post(f"/api/v1/clients/{other_id}/discharge")
    assert api.post(f"/api/v1/sessions/{waiting['id']}/room").status_code == 422
    assert len(api.get(f"/api/v1/clients/{client_id}/responses").get_json()["items"]) == 1


def test_clients_page_through_with_a_cursor(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = _api(sqlite_app, clinic)
    for n in range(5):
        api.post("/api/v1/clients", json={"client_ref": f"P-{n}", "clinician": clinic.clinician})
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/clients", query_string={"limit": 2, **(
            {"cursor": cursor} if cursor else {})}).get_json()
        seen += [c["client_ref"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"P-{n}" for n in range(5)]


def test_a_key_without_the_scope_is_refused_with_403_and_every_call_is_audited(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    with sqlite_app.extensions["fic"].db.session() as session:
        row = repository.clinic_named(session, clinic.name)
        narrow = clinics.create_api_key(session, row, ["alerts:read"]).key
    api = sqlite_app.test_client()
    headers = {"Authorization": f"Bearer {narrow}"}
    assert api.get("/api/v1/alerts", headers=headers).status_code == 200
    refused = api.post("/api/v1/sessions", headers=headers, json={})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["error"] == "forbidden"
    with sqlite_app.extensions["fic"].db.session() as session:
        calls = audit.events(session, row.id, action="api_call")
        assert sorted(e.outcome for e in calls) == ["200", "403"]


def test_the_same_idempotency_key_gives_the_first_answer_and_a_reuse_is_refused(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = _api(sqlite_app, clinic)
    body = {"client_ref": "I-1", "clinician": clinic.clinician, "held_at": utcnow().isoformat()}
    first = api.post("/api/v1/sessions", json=body, headers={"Idempotency-Key": "k-1"})
    second = api.post("/api/v1/sessions", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    other = api.post("/api/v1/sessions", json={**body, "client_ref": "I-2"},
                     headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_key_reused"


def test_a_polled_resource_answers_304_while_it_has_not_changed(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = _api(sqlite_app, clinic)
    first = api.get("/api/v1/staff")
    assert first.headers["ETag"]
    again = api.get("/api/v1/staff", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_ready_report_downloads_still_encrypted_and_the_download_is_audited(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    api = _api(sqlite_app, clinic)
    made = api.post("/api/v1/reports", json={"supervisor": clinic.supervisor,
                                             "period": "2026-W47"})
    report_id = made.get_json()["id"]
    assert api.get(f"/api/v1/reports/{report_id}").get_json()["status"] == "ready"
    pdf = api.get(f"/api/v1/reports/{report_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and b"/Encrypt" in pdf.data
    with sqlite_app.extensions["fic"].db.session() as session:
        row = repository.clinic_named(session, clinic.name)
        assert [e.object_id for e in audit.events(session, row.id, action="report_downloaded")
                ] == [report_id]
