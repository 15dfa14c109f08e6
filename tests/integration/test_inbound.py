"""The signed "session ended" webhook: a good push records the session and sends the link;
a bad signature, a stale timestamp and a replayed event are refused."""

from __future__ import annotations

import json

import time_machine

from fic import clock
from fic.delivery.webhooks import sign
from fic.services.core import audit
from fic.services.integration import inbound
from fic.storage import repository
from fic.storage.models import utcnow
from tests.flows import set_up_clinic


def _secret(app, clinic):
    with app.extensions["fic"].db.session() as session:
        row = repository.clinic_named(session, clinic.name)
        return row.id, inbound.set_secret(session, app.extensions["fic"].keys, row.id)


def _push(app, clinic_id, secret, event, at=None, signature=None):
    body = json.dumps(event).encode()
    header = signature or sign(secret, int(at if at is not None else clock.timestamp()), body)
    return app.test_client().post(f"/api/v1/inbound/{clinic_id}/session-ended", data=body,
                                  content_type="application/json",
                                  headers={"Fic-Signature": header})


def _event(clinic, **extra):
    return {"event_id": "ehr-1001", "client_ref": "W-1", "clinician": clinic.clinician,
            "held_at": utcnow().isoformat(), "contact": {"email": "w.one@example.org"}, **extra}


def test_a_signed_push_records_the_session_and_emails_the_link(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    clinic_id, secret = _secret(sqlite_app, clinic)
    response = _push(sqlite_app, clinic_id, secret, _event(clinic))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["channels"] == ["email"]
    [message] = mail.wait_for(1)
    assert message["To"] == "w.one@example.org"
    assert "/f/" in message.get_body(preferencelist=("plain",)).get_content()
    with sqlite_app.extensions["fic"].db.session() as session:
        audited = audit.events(session, clinic_id, action="inbound_session")
        assert [e.object_id for e in audited] == [response.get_json()["id"]]


def test_a_replayed_event_is_refused_and_sends_nothing_again(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    clinic_id, secret = _secret(sqlite_app, clinic)
    assert _push(sqlite_app, clinic_id, secret, _event(clinic)).status_code == 201
    mail.wait_for(1)
    again = _push(sqlite_app, clinic_id, secret, _event(clinic))
    assert again.status_code == 409 and again.get_json()["error"] == "replayed"
    assert len(mail.messages) == 1


def test_a_wrong_signature_a_stale_timestamp_or_an_unknown_clinic_get_the_same_401(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    clinic_id, secret = _secret(sqlite_app, clinic)
    now = clock.timestamp()
    for response in (
        _push(sqlite_app, clinic_id, "whin_wrong", _event(clinic)),
        _push(sqlite_app, clinic_id, secret, _event(clinic), at=now - 301),
        _push(sqlite_app, clinic_id, secret, _event(clinic), signature="t=1,v1=00"),
        _push(sqlite_app, clinic_id.__class__(int=clinic_id.int ^ 1), secret, _event(clinic)),
    ):
        assert response.status_code == 401 and response.get_json()["error"] == "bad_signature"


def test_the_signature_is_checked_before_the_body_and_the_body_after(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    clinic_id, secret = _secret(sqlite_app, clinic)
    bad = _push(sqlite_app, clinic_id, secret, {"event_id": "x"})
    assert bad.status_code == 422 and "client_ref" in bad.get_json()["fields"]
    assert _push(sqlite_app, clinic_id, "nope", {"event_id": "x"}).status_code == 401


def test_a_push_signed_five_minutes_ago_still_counts_at_any_hour(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    clinic_id, secret = _secret(sqlite_app, clinic)
    with time_machine.travel(utcnow(), tick=False):
        signed_at = clock.timestamp() - 299
        assert _push(sqlite_app, clinic_id, secret, _event(clinic), at=signed_at
                     ).status_code == 201
