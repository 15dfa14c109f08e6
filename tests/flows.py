"""How a clinic, an integrator and a client drive fic in tests: through its real interfaces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from fic.services.clinic import clinics, delivery_settings

SUPERVISOR = "supervisor@clinic.test"
CLINICIAN = "clinician@clinic.test"
ITEMS = ("safety", "heard", "goals", "approach")


@dataclass(frozen=True)
class Clinic:
    name: str
    api_key: str
    supervisor: str
    clinician: str
    passphrase: str


def set_up_clinic(app: Flask, name: str = "Test Clinic", quiet_hours: bool = False) -> Clinic:
    """A clinic with one supervisor and one clinician; a second clinic gets its own staff.

    Quiet hours are off unless asked for, so no test depends on the hour it runs at; the
    tests about quiet hours turn them on and move the clock."""
    services = app.extensions["fic"]
    domain = "" if name == "Test Clinic" else name.lower().replace(" ", "-") + "."
    supervisor_email, clinician_email = (
        address.replace("@", "@" + domain) for address in (SUPERVISOR, CLINICIAN))
    with services.db.session() as session:
        clinic = clinics.create_clinic(session, name)
        supervisor = clinics.add_staff(session, clinic, supervisor_email, "supervisor")
        clinics.add_staff(session, clinic, clinician_email, "clinician", supervisor_email)
        passphrase = clinics.set_report_passphrase(session, services.keys, supervisor)
        key = clinics.create_api_key(session, clinic).key
        if not quiet_hours:
            session.flush()
            delivery_settings.update(session, clinic.id, quiet_start=None, quiet_end=None)
    return Clinic(name, key, supervisor_email, clinician_email, passphrase)


def new_session(client: FlaskClient, clinic: Clinic, client_ref: str, held_at: datetime,
                contact: str | None = None, language: str | None = None) -> dict:
    body: dict[str, object] = {"client_ref": client_ref, "clinician": clinic.clinician,
                               "held_at": held_at.isoformat()}
    if language:
        body["language"] = language
    if contact:
        body["contact"] = {"email": contact}
    response = client.post("/api/v1/sessions", json=body,
                           headers={"Authorization": f"Bearer {clinic.api_key}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def path_of(url: str) -> str:
    return urlsplit(url).path


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def answers(score: float, tension: str = "none", comment: str = "") -> dict[str, str]:
    fields = {item: f"{score}" for item in ITEMS}
    fields["tension"] = tension
    if comment:
        fields["comment"] = comment
    return fields


def submit_form(client: FlaskClient, url: str, fields: dict[str, str | list[str]]):
    """Open the form like a phone would, then send it with the page's CSRF token."""
    page = client.get(path_of(url))
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **fields}
    return client.post(path_of(url), data=data)
