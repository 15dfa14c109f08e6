"""A clinician asks for feedback from the client course page: QR in the room, SMS or email."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from fic.storage.models import TherapySession, utcnow
from tests.flows import csrf_token, new_session, set_up_clinic
from tests.staff_flows import make_account, signed_in_client


def _course_page(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    made = new_session(sqlite_app.test_client(), clinic, "Q-1", utcnow())
    with sqlite_app.extensions["fic"].db.session() as session:
        client_id = session.get(TherapySession, uuid.UUID(made["id"])).client_id
    staff = signed_in_client(sqlite_app, clinic.clinician,
                             make_account(sqlite_app, clinic.clinician))
    page = f"/staff/clients/{client_id}"
    token = csrf_token(staff.get(page).get_data(as_text=True))
    return staff, page, token


def _sessions(app) -> int:
    with app.extensions["fic"].db.session() as session:
        return session.scalar(select(func.count()).select_from(TherapySession))


def test_the_qr_code_and_short_code_open_the_form_on_the_clients_phone(sqlite_app):
    staff, page, token = _course_page(sqlite_app)
    shown = staff.post(f"{page}/send", data={"csrf_token": token, "channel": "room"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'src="data:image/svg+xml' in html
    code = re.search(r'aria-label="Short code">([A-Z0-9]{4}-[A-Z0-9]{4})<', html).group(1)
    assert _sessions(sqlite_app) == 2
    phone = sqlite_app.test_client()
    opened = phone.post("/c", data={"csrf_token": csrf_token(phone.get("/c").get_data(
        as_text=True)), "code": code})
    assert opened.status_code == 303 and "/f/" in opened.headers["Location"]
    assert phone.get(opened.headers["Location"]).status_code == 200


def test_an_email_link_goes_to_the_typed_address_and_nowhere_else(sqlite_app, mail):
    staff, page, token = _course_page(sqlite_app)
    sent = staff.post(f"{page}/send", data={"csrf_token": token, "channel": "email",
                                            "email": "client.q1@example.org"})
    assert sent.status_code == 303 and "sent=email" in sent.headers["Location"]
    [message] = mail.wait_for(1)
    assert message["To"] == "client.q1@example.org"
    assert "Q-1" not in message.as_string()


def test_a_bad_phone_number_is_refused_and_no_session_is_recorded(sqlite_app):
    staff, page, token = _course_page(sqlite_app)
    refused = staff.post(f"{page}/send", data={"csrf_token": token, "channel": "sms",
                                               "phone": "call me"})
    assert refused.status_code == 303 and "?" not in refused.headers["Location"]
    assert _sessions(sqlite_app) == 1
    assert "Not sent" in staff.get(refused.headers["Location"]).get_data(as_text=True)
