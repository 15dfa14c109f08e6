"""Staff pages: a client added ahead of time, moved by the supervisor, discharged."""

from __future__ import annotations

import re

from fic.services.clinic import clinics
from fic.storage import repository
from tests.flows import csrf_token, set_up_clinic
from tests.staff_flows import make_account, signed_in_client

SECOND = "second@clinic.test"


def _people(app):
    clinic = set_up_clinic(app)
    with app.extensions["fic"].db.session() as session:
        row = repository.clinic_named(session, clinic.name)
        clinics.add_staff(session, row, SECOND, "clinician", clinic.supervisor)
    return clinic, {email: signed_in_client(app, email, make_account(app, email))
                    for email in (clinic.clinician, SECOND, clinic.supervisor)}


def _post(client, page, action, fields):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **fields})


def test_a_clinician_adds_a_client_before_the_first_session(sqlite_app):
    clinic, staff = _people(sqlite_app)
    me = staff[clinic.clinician]
    added = _post(me, "/staff/caseload", "/staff/clients", {"client_ref": "NEW-1"})
    assert added.status_code == 303
    assert "NEW-1" in me.get(added.headers["Location"]).get_data(as_text=True)
    assert "NEW-1" in me.get("/staff/caseload").get_data(as_text=True)
    again = _post(me, "/staff/caseload", "/staff/clients", {"client_ref": "NEW-1"})
    assert "add_error" in again.headers["Location"]


def test_the_supervisor_moves_a_client_and_the_previous_clinician_loses_it(sqlite_app):
    clinic, staff = _people(sqlite_app)
    added = _post(staff[clinic.clinician], "/staff/caseload", "/staff/clients",
                  {"client_ref": "MOVE-1"})
    course = added.headers["Location"]
    client_id = re.search(r"/staff/clients/([0-9a-f-]{36})", course).group(1)
    refused = _post(staff[clinic.clinician], course, f"/staff/clients/{client_id}/reassign",
                    {"clinician": SECOND})
    assert "roster_error" in refused.headers["Location"]
    page = staff[clinic.supervisor].get(course).get_data(as_text=True)
    assert "Move the client" in page
    moved = _post(staff[clinic.supervisor], course, f"/staff/clients/{client_id}/reassign",
                  {"clinician": SECOND})
    assert moved.status_code == 303 and "roster=reassigned" in moved.headers["Location"]
    assert staff[clinic.clinician].get(course).status_code == 404
    assert staff[SECOND].get(course).status_code == 200


def test_a_discharged_client_shows_as_discharged_with_no_form_to_send(sqlite_app):
    clinic, staff = _people(sqlite_app)
    me = staff[clinic.clinician]
    course = _post(me, "/staff/caseload", "/staff/clients", {"client_ref": "END-1"}
                   ).headers["Location"]
    client_id = re.search(r"/staff/clients/([0-9a-f-]{36})", course).group(1)
    assert _post(me, course, f"/staff/clients/{client_id}/discharge", {}).status_code == 303
    page = me.get(course).get_data(as_text=True)
    assert "Discharged" in page and "Send the form" not in page
