"""One code, one sign-in: even posted at once from several pending sign-ins; and a pending
sign-in dies with an admin's reset, a password change or a disable."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from fic.services.staff import second_factor
from fic.storage import repository
from fic.storage.models_staff import AuditEvent, StaffSession
from tests.flows import set_up_clinic
from tests.staff_flows import (
    PASSWORD,
    code_for,
    install_clock,
    make_account,
    post_form,
)

ATTEMPTS = 6


def _pending_clients(app, email: str, count: int):
    clients = []
    for _ in range(count):
        client = app.test_client()
        first = post_form(client, "/staff/sign-in", {"email": email, "password": PASSWORD})
        assert first.headers["Location"].endswith("/staff/sign-in/code")
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/staff/sign-in/code").get_data(as_text=True)).group(1)
        clients.append((client, token))
    return clients


def _post_at_once(clients, code: str) -> list[int]:
    barrier = threading.Barrier(len(clients))
    results: list[int] = [0] * len(clients)

    def attempt(index: int, client, token: str) -> None:
        barrier.wait()
        response = client.post("/staff/sign-in/code", data={"csrf_token": token, "code": code})
        signed_in = response.status_code == 303 and "/sign-in" not in response.headers["Location"]
        results[index] = 1 if signed_in else 0

    threads = [threading.Thread(target=attempt, args=(i, c, t))
               for i, (c, t) in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _count(app, action: str) -> int:
    with app.extensions["fic"].db.session() as session:
        return session.scalar(select(func.count()).where(AuditEvent.action == action))


def _live_sessions(app) -> int:
    with app.extensions["fic"].db.session() as session:
        return session.scalar(select(func.count(StaffSession.id)).where(
            StaffSession.stage.is_(None), StaffSession.ended_at.is_(None)))


def test_six_concurrent_uses_of_one_authenticator_code_give_exactly_one_sign_in(app):
    clock = install_clock(app)
    clinic = set_up_clinic(app)
    secret = make_account(app, clinic.supervisor)
    clients = _pending_clients(app, clinic.supervisor, ATTEMPTS)
    assert sum(_post_at_once(clients, code_for(secret, clock()))) == 1
    assert _count(app, "sign_in") == 1 and _live_sessions(app) == 1


def test_six_concurrent_uses_of_one_recovery_code_give_exactly_one_sign_in(app):
    install_clock(app)
    clinic = set_up_clinic(app)
    make_account(app, clinic.supervisor)
    with app.extensions["fic"].db.session() as session:
        staff = repository.staff_by_email(session, clinic.supervisor)
        codes = second_factor.new_recovery_codes(session, staff.id, staff.created_at)
    clients = _pending_clients(app, clinic.supervisor, ATTEMPTS)
    assert sum(_post_at_once(clients, codes[0])) == 1
    assert _count(app, "recovery_code_used") == 1 and _count(app, "sign_in") == 1
    assert _live_sessions(app) == 1


def _admin(app, clinic):
    from fic.services.clinic import clinics
    from tests.staff_flows import signed_in_client

    with app.extensions["fic"].db.session() as session:
        clinics.add_staff(session, repository.clinic_named(session, clinic.name),
                          "admin@clinic.test", "admin")
    return signed_in_client(app, "admin@clinic.test", make_account(app, "admin@clinic.test"))


def _staff_id(app, email: str):
    with app.extensions["fic"].db.session() as session:
        return repository.staff_by_email(session, email).id


@pytest.mark.parametrize("how", ["reset", "disable", "password"])
def test_a_replayed_pending_sign_in_cookie_gets_nothing_after_it_was_cut_off(app, how):
    clock = install_clock(app)
    clinic = set_up_clinic(app)
    admin = _admin(app, clinic)
    make_account(app, clinic.clinician, totp=False)  # the next step is enrolling a phone
    thief = app.test_client()
    first = post_form(thief, "/staff/sign-in", {"email": clinic.clinician, "password": PASSWORD})
    assert first.headers["Location"].endswith("/staff/sign-in/enrol")
    page = thief.get("/staff/sign-in/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    stolen = thief.get_cookie("fic").value

    staff_id = _staff_id(app, clinic.clinician)
    if how == "password":
        make_account(app, clinic.clinician, totp=False, password="a brand new long passphrase")
    else:
        done = post_form(admin, "/staff/admin/", {},
                         action=f"/staff/admin/staff/{staff_id}/{how}")
        assert done.status_code == 303

    replay = app.test_client()
    replay.set_cookie("fic", stolen)
    clock.advance(seconds=31)
    assert replay.get("/staff/sign-in/enrol").headers["Location"].endswith("/staff/sign-in")
    replay.set_cookie("fic", stolen)
    enrolled = replay.post("/staff/sign-in/enrol", data={"csrf_token": token,
                                                         "code": code_for(secret, clock())})
    assert enrolled.status_code == 303 and enrolled.headers["Location"].endswith("/sign-in")
    assert replay.get("/staff/caseload").headers["Location"].startswith("/staff/sign-in")
    with app.extensions["fic"].db.session() as session:
        live = session.scalar(select(func.count(StaffSession.id)).where(
            StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None)))
    assert live == 0


def test_disabling_an_invited_person_stops_their_invitation(sqlite_app, mail):
    from tests.staff_flows import token_from

    app = sqlite_app
    clinic = set_up_clinic(app)
    admin = _admin(app, clinic)
    invited = post_form(admin, "/staff/admin/", {
        "email": "kim@clinic.test", "role": "clinician", "supervisor": clinic.supervisor},
        action="/staff/admin/invitations")
    assert invited.status_code == 303
    token = token_from(mail.wait_for(1)[0].get_content(), "/staff/invitations/")
    page = admin.get("/staff/admin/").get_data(as_text=True)
    assert "invited" in page
    staff_id = _staff_id(app, "kim@clinic.test")
    done = post_form(admin, "/staff/admin/", {}, action=f"/staff/admin/staff/{staff_id}/disable")
    assert done.status_code == 303
    assert "disabled" in admin.get("/staff/admin/").get_data(as_text=True)
    kim = app.test_client()
    assert kim.get(f"/staff/invitations/{token}").status_code == 410
    chosen = "kims own long password"
    tried = kim.post(f"/staff/invitations/{token}", data={"password": chosen, "confirm": chosen})
    assert tried.status_code in (400, 410)
    assert post_form(kim, "/staff/sign-in", {"email": "kim@clinic.test",
                                             "password": chosen}).status_code == 401


def test_a_reset_request_queues_the_same_one_job_for_a_known_and_an_unknown_email(sqlite_app):
    """The page does the same work either way; the link is made and mailed by the task."""
    from fic.services.staff import sign_in_steps
    from fic.storage.models import Outbox

    app = sqlite_app
    clinic = set_up_clinic(app)
    make_account(app, clinic.clinician)
    queued: list[tuple[str, list[str]]] = []
    db = app.extensions["fic"].db
    for email in (clinic.clinician, "nobody@clinic.test"):
        sign_in_steps.request_reset(db, lambda task, args: queued.append((task, args)) or True,
                                    email, _now())
    assert [task for task, _ in queued] == ["fic.send_staff_reset"] * 2
    with db.session() as session:
        assert not session.scalar(select(func.count()).select_from(Outbox)
                                  .where(Outbox.published_at.is_(None)))
    with db.session() as session:
        assert not session.scalar(select(func.count()).where(
            AuditEvent.action == "password_reset_requested")), "nothing issued in the request"


def test_unknown_reset_and_real_accounts_cost_the_same_argon2_verification(sqlite_app, monkeypatch):
    from fic.services.staff import signin as signin_module

    app = sqlite_app
    clinic = set_up_clinic(app)
    make_account(app, clinic.clinician)
    make_account(app, clinic.supervisor)
    with app.extensions["fic"].db.session() as session:
        signin_module.reset_sign_in(session, _staff_id(app, clinic.supervisor), _now())
    verified: list[str] = []
    real = signin_module._verify
    monkeypatch.setattr(signin_module, "_verify",
                        lambda stored, password: verified.append(stored[:9]) or real(stored,
                                                                                   password))
    for email in (clinic.clinician, clinic.supervisor, "nobody@clinic.test"):
        post_form(app.test_client(), "/staff/sign-in", {"email": email, "password": "x" * 14})
    assert verified == ["$argon2id"] * 3


def _now():
    from fic import clock

    return clock.now()
