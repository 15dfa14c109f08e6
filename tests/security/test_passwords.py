"""Common and leaked passwords are refused wherever a password is chosen."""

from __future__ import annotations

import pytest

from fic.cli.staff import staff_password
from fic.errors import InvalidRequest
from fic.services.staff import passwords
from fic.storage import repository
from fic.storage.models_staff import StaffCredential
from tests.flows import set_up_clinic


@pytest.mark.parametrize("common", ["password1234", "aaaaaaaaaaaa", "Password1234",
                                    "qwertyuiop123"])
def test_a_common_password_is_refused_with_a_reason(common):
    with pytest.raises(InvalidRequest, match="common or leaked"):
        passwords.check_password_rules(common, "kim@clinic.test")


def test_an_uncommon_long_password_is_accepted():
    passwords.check_password_rules("lantern orbit pickle 93", "kim@clinic.test")


def test_setting_password1234_at_the_terminal_is_refused_and_stores_nothing(sqlite_app):
    app = sqlite_app
    clinic = set_up_clinic(app)
    result = app.test_cli_runner().invoke(
        staff_password, [clinic.clinician, "--password", "password1234"])
    assert result.exit_code == 1 and "common or leaked" in result.output
    with app.extensions["fic"].db.session() as session:
        staff = repository.staff_by_email(session, clinic.clinician)
        assert session.get(StaffCredential, staff.id) is None
