"""How staff drive fic in tests: accounts made through the services, sign-in through HTTP."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pyotp
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from fic.services.staff import second_factor, signin
from fic.storage import repository
from fic.storage.models import utcnow
from tests.flows import csrf_token

PASSWORD = "correct horse battery staple"


class Clock:
    """The one clock (fic.clock), frozen by time-machine at `start`; moves only when told.

    Stopped after each test by the `stop_clocks` fixture in tests/conftest.py."""

    running: list[Clock] = []

    def __init__(self, start: datetime) -> None:
        self._travel = time_machine.travel(start, tick=False)
        self._traveller = self._travel.start()
        Clock.running.append(self)

    def __call__(self) -> datetime:
        return utcnow()

    def advance(self, **delta: float) -> None:
        self._traveller.shift(timedelta(**delta))

    def stop(self) -> None:
        self._travel.stop()


def stop_clocks() -> None:
    while Clock.running:
        Clock.running.pop().stop()


def install_clock(app: Flask, start: datetime | None = None) -> Clock:
    """Freeze the clock for this test (`app` is where the clock used to be injected)."""
    return Clock(start or utcnow())


def make_account(app: Flask, email: str, totp: bool = True, password: str = PASSWORD,
                 at: datetime | None = None) -> str | None:
    """Give an existing staff member a password and, if asked, an active authenticator."""
    svc = app.extensions["fic"]
    enrolled_at = (at or utcnow()) - timedelta(minutes=10)
    with svc.db.session() as session:
        staff = repository.staff_by_email(session, email)
        signin.set_password(session, staff, password, enrolled_at)
        if not totp:
            return None
        second_factor.begin_enrolment(session, svc.keys, staff)
        secret = second_factor.pending_secret(session, svc.keys, staff.id)
        assert secret is not None
        code = pyotp.TOTP(secret).at(enrolled_at)
        assert second_factor.confirm_enrolment(session, svc.keys, staff.id, code, enrolled_at)
    return secret


def code_for(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def post_form(client: FlaskClient, page: str, fields: dict[str, str], action: str | None = None):
    """Open a page like a browser, then post its form with the page's CSRF token."""
    html = client.get(page).get_data(as_text=True)
    return client.post(action or page, data={"csrf_token": csrf_token(html), **fields})


def sign_in(client: FlaskClient, email: str, secret: str | None, clock: Clock | None = None,
            password: str = PASSWORD):
    """The full sign-in; returns the last response (a redirect to where the person lands)."""
    response = post_form(client, "/staff/sign-in", {"email": email, "password": password})
    if response.status_code == 303 and response.headers["Location"].endswith("/sign-in/code"):
        assert secret is not None, "this account asks for a code"
        at = clock() if clock else utcnow()
        response = post_form(client, "/staff/sign-in/code", {"code": code_for(secret, at)})
    return response


def signed_in_client(app: Flask, email: str, secret: str | None,
                     clock: Clock | None = None) -> FlaskClient:
    client = app.test_client()
    response = sign_in(client, email, secret, clock)
    assert response.status_code == 303 and "/sign-in" not in response.headers["Location"], (
        response.status_code, response.get_data(as_text=True)[:500])
    return client


def token_from(text: str, path: str) -> str:
    match = re.search(re.escape(path) + r"([A-Za-z0-9_-]+)", text)
    assert match, f"no {path} link in the message"
    return match.group(1)


def password_only_clinicians(app: Flask, clinic_name: str) -> None:
    """The clinic turns the clinicians' second factor off (a test about something else)."""
    from fic.storage.models_staff import ClinicStaffSettings

    with app.extensions["fic"].db.session() as session:
        clinic_id = repository.clinic_named(session, clinic_name).id
        session.merge(ClinicStaffSettings(clinic_id=clinic_id, clinician_totp_required=False,
                                          idle_minutes=15, absolute_hours=12))
