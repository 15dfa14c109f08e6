"""Links by SMS (two provider shapes, one interface) and in the room (QR code, short code)."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from urllib.parse import parse_qs

import pytest

from fic.delivery.sms import JsonSms, TwilioSms, sms_sender
from fic.errors import DeliveryFailed
from fic.settings import Settings
from fic.storage.models import utcnow
from tests.delivery.receiver import Receiver
from tests.flows import answers, new_session, path_of, set_up_clinic, submit_form

# Times passed in and times read inside agree, however slow the machine.
pytestmark = pytest.mark.usefixtures("frozen_clock")


def _auth(clinic) -> dict[str, str]:
    return {"Authorization": f"Bearer {clinic.api_key}"}


def test_a_link_goes_out_by_sms_through_the_json_provider_once(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    api = sqlite_app.test_client()
    session_id = new_session(api, clinic, "SMS-1", utcnow())["id"]
    with Receiver([503]) as provider:
        svc = sqlite_app.extensions["fic"]
        sqlite_app.extensions["fic"] = replace(svc, settings=svc.settings.model_copy(update={
            "sms_provider": "json", "sms_url": provider.url + "/send", "sms_token": "tok",
            "sms_sender": "Clinic", "retry_base_seconds": 0}))
        reply = api.post(f"/api/v1/sessions/{session_id}/sms", json={"phone": "+447700900123"},
                         headers=_auth(clinic))
        assert reply.status_code == 202
        assert len(provider.requests) == 1 and not provider.accepted  # 503: retried later
        with sqlite_app.app_context():
            from tasks.retry import retry_deliveries
            retry_deliveries()
            retry_deliveries()
    assert len(provider.accepted) == 1
    sent = json.loads(provider.accepted[0].body)
    assert sent["to"] == "+447700900123" and sent["from"] == "Clinic"
    assert provider.accepted[0].headers["Authorization"] == "Bearer tok"
    assert "Test Clinic" in sent["text"] and "SMS-1" not in sent["text"]
    link = re.search(r"http://localhost/f/\S+", sent["text"]).group(0)
    assert submit_form(sqlite_app.test_client(), link, answers(9.0)).status_code == 303


def test_the_twilio_compatible_adapter_posts_form_fields_with_basic_auth():
    with Receiver() as provider:
        TwilioSms(provider.url, "AC123", "secret", "+15005550006", 3).send("+15551234567", "hi")
    got = provider.accepted[0]
    assert got.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert parse_qs(got.body.decode()) == {"To": ["+15551234567"], "From": ["+15005550006"],
                                           "Body": ["hi"]}
    assert got.headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:secret").decode()


def test_a_provider_error_is_a_retryable_failure_that_names_no_number():
    with Receiver([400]) as provider, pytest.raises(DeliveryFailed) as failure:
        JsonSms(provider.url, None, "fic", 3).send("+447700900123", "hi")
    assert "+44" not in str(failure.value) and "400" in str(failure.value)
    assert sms_sender(Settings()) is None


def test_in_the_room_a_qr_code_and_a_short_code_each_open_the_form(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = sqlite_app.test_client()
    session_id = new_session(api, clinic, "ROOM-1", utcnow())["id"]
    shown = api.post(f"/api/v1/sessions/{session_id}/room", headers=_auth(clinic))
    assert shown.status_code == 201
    body = shown.get_json()
    assert body["qr_svg"].startswith("data:image/svg+xml")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", body["code"])
    phone = sqlite_app.test_client()
    page = phone.get("/c")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(True)).group(1)
    typed = body["code"].lower().replace("-", " ")
    opened = phone.post("/c", data={"csrf_token": token, "code": typed})
    assert opened.status_code == 303 and opened.headers["Location"].startswith("/f/")
    assert phone.get(opened.headers["Location"]).status_code == 200
    again = phone.post("/c", data={"csrf_token": token, "code": body["code"]})
    assert again.status_code == 410  # a code works once
    assert phone.get(path_of(body["url"])).status_code == 200
    other = set_up_clinic(sqlite_app, "Other Clinic")
    assert api.post(f"/api/v1/sessions/{session_id}/room", headers=_auth(other)).status_code \
        == 404
