"""Staff sign-in as people meet it: password, second factor, lockout, timeouts, reset links."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from fic import create_app
from fic.storage.models import Alert
from fic.storage.models_staff import StaffToken
from tests.conftest import make_settings
from tests.flows import set_up_clinic
from tests.staff_flows import (
    PASSWORD,
    code_for,
    install_clock,
    make_account,
    post_form,
    sign_in,
    signed_in_client,
    token_from,
)


def _lands(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def test_a_clinician_is_asked_for_a_second_factor_by_default(app):
    clock = install_clock(app)
    clinic = set_up_clinic(app)
    make_account(app, clinic.clinician, totp=False)
    client = app.test_client()
    first = post_form(client, "/staff/sign-in", {"email": clinic.clinician, "password": PASSWORD})
    assert _lands(first).endswith("/staff/sign-in/enrol"), "no authenticator yet: set one up"
    assert _lands(client.get("/staff/caseload")).startswith("/staff/sign-in")
    secret = make_account(app, clinic.clinician, at=clock())
    clock.advance(seconds=31)
    again = post_form(app.test_client(), "/staff/sign-in", {"email": clinic.clinician,
                                                           "password": PASSWORD})
    assert _lands(again).endswith("/staff/sign-in/code")
    assert _lands(sign_in(app.test_client(), clinic.clinician, secret, clock)).endswith(
        "/staff/")


def test_a_clinician_signs_in_with_a_password_only_where_the_clinic_turned_the_code_off(app):
    from fic.storage.models_staff import ClinicStaffSettings

    clinic = set_up_clinic(app)
    with app.extensions["fic"].db.session() as session:
        from fic.storage import repository
        clinic_id = repository.clinic_named(session, clinic.name).id
        session.add(ClinicStaffSettings(clinic_id=clinic_id, clinician_totp_required=False,
                                        idle_minutes=15, absolute_hours=12))
    make_account(app, clinic.clinician, totp=False)
    client = app.test_client()
    assert _lands(sign_in(client, clinic.clinician, None)).endswith("/staff/")
    assert client.get("/staff/caseload").status_code == 200


def test_a_supervisor_needs_the_code_as_well_as_the_password(app):
    clock = install_clock(app)
    clinic = set_up_clinic(app)
    secret = make_account(app, clinic.supervisor)
    client = app.test_client()
    response = post_form(client, "/staff/sign-in", {"email": clinic.supervisor,
                                                    "password": PASSWORD})
    assert _lands(response).endswith("/staff/sign-in/code")
    half_way = client.get_cookie("fic").value
    assert _lands(client.get("/staff/caseload")).startswith("/staff/sign-in")
    wrong = post_form(client, "/staff/sign-in/code", {"code": "000000"})
    assert wrong.status_code == 401 and "did not work" in wrong.get_data(as_text=True)
    used = code_for(secret, clock())
    right = post_form(client, "/staff/sign-in/code", {"code": used})
    assert _lands(right).endswith("/staff/caseload"), "back to the page asked for"

    assert client.get("/staff/caseload").status_code == 200
    # The session was replaced at sign-in: the cookie from before it signs nobody in.
    assert client.get_cookie("fic").value != half_way
    stale = app.test_client()
    stale.set_cookie("fic", half_way)
    assert _lands(stale.get("/staff/caseload")).startswith("/staff/sign-in")
    # The same code cannot be used twice.
    clock.advance(seconds=1)
    again = app.test_client()
    post_form(again, "/staff/sign-in", {"email": clinic.supervisor, "password": PASSWORD})
    # The very same code (a second later the clock may sit in the next 30-second step).
    reused = post_form(again, "/staff/sign-in/code", {"code": used})
    assert reused.status_code == 401


def test_a_supervisor_without_an_authenticator_sets_one_up_then_recovery_codes_work_once(
        sqlite_app):
    app = sqlite_app
    clock = install_clock(app)
    clinic = set_up_clinic(app)
    make_account(app, clinic.supervisor, totp=False)
    client = app.test_client()
    response = post_form(client, "/staff/sign-in", {"email": clinic.supervisor,
                                                    "password": PASSWORD})
    assert _lands(response).endswith("/staff/sign-in/enrol")
    page = client.get("/staff/sign-in/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page, "a QR code to scan"
    done = post_form(client, "/staff/sign-in/enrol", {"code": pyotp.TOTP(secret).at(clock())})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]{19})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/staff/caseload").status_code == 200
    for attempt, expected in ((1, "/staff/"), (2, "fail")):
        other = app.test_client()
        clock.advance(seconds=31)
        post_form(other, "/staff/sign-in", {"email": clinic.supervisor, "password": PASSWORD})
        response = post_form(other, "/staff/sign-in/code", {"code": codes[0].upper()})
        if expected == "fail":
            assert response.status_code == 401, attempt
        else:
            assert _lands(response).endswith(expected)


def test_repeated_failures_lock_the_account_for_a_while_known_or_not(sqlite_app):
    app = sqlite_app
    clock = install_clock(app)
    clinic = set_up_clinic(app)
    secret = make_account(app, clinic.clinician)
    client = app.test_client()
    for email in (clinic.clinician, "nobody@clinic.test"):
        for _ in range(5):
            wrong = post_form(client, "/staff/sign-in", {"email": email, "password": "guess" * 3})
            assert wrong.status_code in (401, 429)
        locked = post_form(client, "/staff/sign-in", {"email": email, "password": PASSWORD})
        assert locked.status_code == 429
        assert "Too many failed attempts" in locked.get_data(as_text=True)
    clock.advance(minutes=16)
    assert _lands(sign_in(client, clinic.clinician, secret, clock)).endswith("/staff/")


def test_many_failures_from_one_address_are_refused_whatever_the_email(sqlite_app):
    app = sqlite_app
    install_clock(app)
    client = app.test_client()
    statuses = [post_form(client, "/staff/sign-in", {"email": f"p{i}@x.test",
                                                     "password": "x" * 12}).status_code
                for i in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429


def test_the_session_ends_after_the_idle_timeout_and_at_its_absolute_lifetime(app):
    clock = install_clock(app)
    clinic = set_up_clinic(app)
    secret = make_account(app, clinic.clinician)
    client = signed_in_client(app, clinic.clinician, secret, clock)
    clock.advance(minutes=14)
    assert client.get("/staff/caseload").status_code == 200
    clock.advance(minutes=16)
    assert _lands(client.get("/staff/caseload")).endswith("/staff/sign-in?why=idle")
    assert "without activity" in client.get("/staff/sign-in?why=idle").get_data(as_text=True)
    assert _lands(client.get("/staff/caseload")).startswith("/staff/sign-in")
    busy = signed_in_client(app, clinic.clinician, secret, clock)
    for _ in range(12 * 6 + 1):
        clock.advance(minutes=10)
        if busy.get("/staff/caseload").status_code != 200:
            break
    assert _lands(busy.get("/staff/caseload")).startswith("/staff/sign-in")


def test_a_password_reset_link_works_once_and_the_old_password_stops(app, mail):
    clock = install_clock(app)
    clinic = set_up_clinic(app)
    secret = make_account(app, clinic.clinician)
    old_session = signed_in_client(app, clinic.clinician, secret, clock)
    client = app.test_client()
    sent = post_form(client, "/staff/password/reset", {"email": clinic.clinician})
    assert "Check your email" in sent.get_data(as_text=True)
    unknown = post_form(client, "/staff/password/reset", {"email": "nobody@clinic.test"})
    assert unknown.get_data(as_text=True) == sent.get_data(as_text=True).replace(
        csrf_value(sent), csrf_value(unknown))
    message = mail.wait_for(1)[0]
    assert message["To"] == clinic.clinician
    token = token_from(message.get_content(), "/staff/password/reset/")
    with app.extensions["fic"].db.session() as session:
        assert token not in {t.token_hash for t in session.scalars(select(StaffToken))}
    page = f"/staff/password/reset/{token}"
    new = "a different long passphrase"
    done = post_form(client, page, {"password": new, "confirm": new})
    assert _lands(done).endswith("/staff/sign-in?why=password_set")
    assert client.get(page).status_code == 410
    replay = client.post(page, data={"csrf_token": csrf_value(client.get("/staff/sign-in")),
                                     "password": "yet another passphrase",
                                     "confirm": "yet another passphrase"})
    assert replay.status_code == 410
    assert sign_in(app.test_client(), clinic.clinician, secret, clock).status_code == 401
    clock.advance(seconds=31)
    assert _lands(sign_in(app.test_client(), clinic.clinician, secret, clock,
                          password=new)).endswith("/staff/")
    assert _lands(old_session.get("/staff/caseload")).startswith("/staff/sign-in")


def csrf_value(response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    return found.group(1) if found else ""


def test_an_admin_invites_a_clinician_who_chooses_a_password_and_signs_in(sqlite_app, mail):
    app = sqlite_app
    clinic = set_up_clinic(app)
    with app.extensions["fic"].db.session() as session:
        from fic.services.clinic import clinics
        from fic.storage import repository
        clinics.add_staff(session, repository.clinic_named(session, clinic.name),
                          "admin@clinic.test", "admin")
    admin = signed_in_client(app, "admin@clinic.test", make_account(app, "admin@clinic.test"))
    response = post_form(admin, "/staff/admin/", {
        "email": "kim@clinic.test", "role": "clinician", "supervisor": clinic.supervisor},
        action="/staff/admin/invitations")
    assert "Sent a link to kim@clinic.test" in admin.get(_lands(response)).get_data(as_text=True)
    token = token_from(mail.wait_for(1)[0].get_content(), "/staff/invitations/")
    kim = app.test_client()
    page = f"/staff/invitations/{token}"
    assert "Welcome to fic" in kim.get(page).get_data(as_text=True)
    short = post_form(kim, page, {"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12" in short.get_data(as_text=True)
    post_form(kim, page, {"password": "kims own long password", "confirm":
                          "kims own long password"})
    landed = sign_in(kim, "kim@clinic.test", None, password="kims own long password")
    assert _lands(landed).endswith("/staff/sign-in/enrol"), "then an authenticator app"


def test_the_link_in_an_alert_email_leads_through_sign_in_to_that_alert(sqlite_app):
    app = sqlite_app
    from tests.staff.world import build_world
    world = build_world(app)
    alert_path = f"/staff/alerts/{world.ids['alert_id']}"
    client = app.test_client()
    assert _lands(client.get(alert_path)).startswith("/staff/sign-in")
    secret = make_account(app, world.emails["supervisor"])
    response = sign_in(client, world.emails["supervisor"], secret)
    assert _lands(response).endswith(alert_path)
    page = client.get(alert_path).get_data(as_text=True)
    assert "Acknowledge and record the repair" in page and "I felt unheard today." in page
    with app.extensions["fic"].db.session() as session:
        assert session.get(Alert, world.ids["alert_id"]) is not None


def test_on_https_the_cookie_is_host_prefixed_secure_httponly_and_samesite(tmp_path, mail):
    app = create_app(make_settings(Path(tmp_path) / "instance", mail,
                                   base_url="https://fic.example"))
    app.extensions["fic"].db.upgrade()
    response = app.test_client().get("/staff/sign-in", base_url="https://fic.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-fic=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain" not in cookie
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    app.extensions["fic"].db.dispose()


@pytest.mark.parametrize("path", ["/staff/caseload", "/staff/alerts", "/staff/team",
                                  "/staff/admin/", "/staff/admin/audit"])
def test_pages_need_a_signed_in_person(sqlite_app, path):
    response = sqlite_app.test_client().get(path)
    assert _lands(response).startswith("/staff/sign-in")
