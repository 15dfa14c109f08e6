"""The second sign-in step decides in services: six digits are an authenticator code,
anything else a recovery code, under one lockout (no guess by the typed length)."""

from __future__ import annotations

import pyotp

from fic.services.staff import pending_sign_in, second_factor, sign_in_steps, signin
from fic.storage import repository
from fic.storage.models import utcnow
from tests.flows import set_up_clinic
from tests.staff_flows import make_account


def _staff(app):
    clinic = set_up_clinic(app)
    secret = make_account(app, clinic.supervisor)
    svc = app.extensions["fic"]
    with svc.db.session() as session:
        staff = repository.staff_by_email(session, clinic.supervisor)
        codes = second_factor.new_recovery_codes(session, staff.id, utcnow())
    return svc, staff.id, clinic.supervisor, secret, codes


def test_six_digits_are_an_authenticator_code_and_anything_else_a_recovery_code():
    assert sign_in_steps.is_authenticator_code("123456")
    assert sign_in_steps.is_authenticator_code(" 123 456 ")
    assert not sign_in_steps.is_authenticator_code("abcd-efgh-jkmn-pqrs")
    assert not sign_in_steps.is_authenticator_code("2345-6789-2345-6789")
    assert not sign_in_steps.is_authenticator_code("12345")


def test_a_recovery_code_typed_any_way_works_once(sqlite_app):
    svc, staff_id, email, _, codes = _staff(sqlite_app)
    typed = codes[0].replace("-", " ").upper()
    now = utcnow()
    with svc.db.session() as session:  # the password step was passed (a pending sign-in)
        first, second = (pending_sign_in.start(session, staff_id, "totp", now) for _ in "12")
    assert sign_in_steps.check_code(svc.db, svc.keys, staff_id, email, typed, None, now,
                                    first).outcome == "ok"
    assert sign_in_steps.check_code(svc.db, svc.keys, staff_id, email, codes[0], None,
                                    now, second).outcome == "wrong"


def test_wrong_codes_of_either_kind_lock_the_account_and_then_a_right_code_does_not_help(
    sqlite_app,
):
    svc, staff_id, email, secret, codes = _staff(sqlite_app)
    now = utcnow()
    wrong = ["000000", "not-a-code", "111111", "zzzz-zzzz-zzzz-zzzz", "222222"]
    seen = [sign_in_steps.check_code(svc.db, svc.keys, staff_id, email, code, None,
                                     now).outcome for code in wrong]
    assert seen[:signin.LOCK_AFTER - 1] == ["wrong"] * (signin.LOCK_AFTER - 1)
    assert seen[-1] == "locked"
    right = pyotp.TOTP(secret).at(now)
    assert sign_in_steps.check_code(svc.db, svc.keys, staff_id, email, right, None,
                                    now).outcome == "locked"
    assert sign_in_steps.check_code(svc.db, svc.keys, staff_id, email, codes[1], None,
                                    now).outcome == "locked"
