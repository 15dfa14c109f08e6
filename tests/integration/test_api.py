"""POST /api/v1/sessions as a clinic's system calls it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from fic.services.clinic import delivery_settings
from fic.storage import repository
from fic.storage.models import FeedbackLink, Outbox, TherapySession, utcnow
from tests.flows import new_session, path_of, set_up_clinic


def _post(client, body, key="", raw=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if raw is not None:
        return client.post("/api/v1/sessions", data=raw, headers=headers,
                           content_type="application/json")
    return client.post("/api/v1/sessions", json=body, headers=headers)


def _body(clinic, **extra):
    return {"client_ref": "C-77", "clinician": clinic.clinician,
            "held_at": "2026-11-20T15:00:00+01:00", **extra}


def test_a_session_gets_a_feedback_link_that_opens_the_form(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    client = sqlite_app.test_client()
    response = _post(client, _body(clinic), clinic.api_key)
    body = response.get_json()
    assert response.status_code == 201
    assert set(body) == {"id", "feedback_url", "expires_at"}
    assert client.get(path_of(body["feedback_url"])).status_code == 200
    token = path_of(body["feedback_url"]).rsplit("/", 1)[1]
    assert len(token) >= 43
    with sqlite_app.extensions["fic"].db.session() as session:
        stored = session.scalars(select(FeedbackLink.token_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_a_wrong_or_missing_key_is_refused_with_401(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    client = sqlite_app.test_client()
    for key in ("", "fic_not-a-real-key"):
        response = _post(client, _body(clinic), key)
        assert response.status_code == 401
        assert "API key" in response.get_json()["message"]


def test_bad_json_is_refused_with_a_message_that_says_so(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    response = _post(sqlite_app.test_client(), None, clinic.api_key, raw="{not json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


def test_an_unknown_clinician_is_named_as_the_problem(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    response = _post(sqlite_app.test_client(), _body(clinic, clinician="nobody@clinic.test"),
                     clinic.api_key)
    assert response.status_code == 422
    assert "clinician" in response.get_json()["fields"]


def test_missing_and_malformed_fields_are_each_named(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    body = {"client_ref": "has spaces!", "held_at": "2026-11-20T15:00:00", "extra": 1}
    response = _post(sqlite_app.test_client(), body, clinic.api_key)
    fields = response.get_json()["fields"]
    assert response.status_code == 422
    assert {"client_ref", "clinician", "held_at", "extra"} <= set(fields)
    assert "has spaces" not in str(response.get_json())


def test_a_clinician_of_another_clinic_cannot_be_named(sqlite_app):
    ours = set_up_clinic(sqlite_app)
    theirs = set_up_clinic(sqlite_app, "Other Clinic")
    response = _post(sqlite_app.test_client(), _body(ours, clinician=theirs.clinician),
                     ours.api_key)
    assert response.status_code == 422


def test_a_contact_email_is_stored_encrypted_and_the_link_is_emailed(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    client = sqlite_app.test_client()
    created = new_session(client, clinic, "C-5", utcnow(), contact="client.five@example.org")
    [message] = mail.wait_for(1)
    assert message["To"] == "client.five@example.org"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    emailed_url = next(line.strip() for line in plain.splitlines()
                       if "/f/" in line)
    assert emailed_url != created["feedback_url"]
    assert client.get(path_of(emailed_url)).status_code == 200
    assert "Test Clinic" in message["Subject"]
    with sqlite_app.extensions["fic"].db.session() as session:
        therapy = session.scalar(select(TherapySession))
        jobs = session.scalars(select(Outbox)).all()
    assert b"client.five" not in therapy.contact_email_ct
    assert [j.args for j in jobs] == [[str(therapy.id)]]


def test_a_client_seen_again_keeps_one_record(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    client = sqlite_app.test_client()
    first = new_session(client, clinic, "C-1", utcnow())
    second = new_session(client, clinic, "C-1", utcnow())
    assert first["id"] != second["id"]
    with sqlite_app.extensions["fic"].db.session() as session:
        clients = {s.client_id for s in session.scalars(select(TherapySession))}
    assert len(clients) == 1


def test_the_link_works_as_long_as_the_clinic_says(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    with sqlite_app.extensions["fic"].db.session() as session:
        clinic_id = repository.clinic_named(session, clinic.name).id
        delivery_settings.update(session, clinic_id, link_lifetime_hours=24)
    body = new_session(sqlite_app.test_client(), clinic, "C-8", utcnow())
    lifetime = datetime.fromisoformat(body["expires_at"]) - utcnow()
    assert timedelta(hours=23, minutes=59) < lifetime <= timedelta(hours=24)
