""""None" is a value a clinic can choose for every optional delivery setting: on its first
change (before the clinic has a settings row) and every later one, through the services, the
CLI, the admin page and the API alike."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from fic.cli import cli
from fic.errors import InvalidRequest
from fic.services.clinic import clinics, delivery_settings
from fic.storage import repository
from tests.flows import csrf_token, set_up_clinic
from tests.staff_flows import make_account, signed_in_client

# setting -> a value other than none (quiet hours come as a pair)
OPTIONAL = {
    "reminder_after_hours": {"reminder_after_hours": 24},
    "quiet hours": {"quiet_start": "22:00", "quiet_end": "07:00"},
    "on_call_email": {"on_call_email": "oncall@clinic.test"},
}


def _none(values: dict[str, object]) -> dict[str, object]:
    return dict.fromkeys(values)


def _policy(app, clinic):
    with app.extensions["fic"].db.session() as session:
        clinic_id = repository.clinic_named(session, clinic).id
        return delivery_settings.delivery_policy(session, clinic_id)


def _update(app, clinic, **changes):
    with app.extensions["fic"].db.session() as session:
        row = repository.clinic_named(session, clinic)
        delivery_settings.update(session, row.id, **changes)


def _fresh_clinic(app):
    """A clinic that has never changed a delivery setting (it keeps the defaults)."""
    clinic = set_up_clinic(app, quiet_hours=True)
    policy = _policy(app, clinic.name)
    assert (policy.reminder_after_hours, policy.quiet_start, policy.quiet_end) == (
        48, "21:00", "08:00")
    return clinic


@pytest.mark.parametrize("setting", OPTIONAL)
def test_none_is_kept_on_a_clinics_first_change_and_on_a_later_one(sqlite_app, setting):
    clinic = _fresh_clinic(sqlite_app)
    values = OPTIONAL[setting]
    _update(sqlite_app, clinic.name, **_none(values))
    policy = _policy(sqlite_app, clinic.name)
    assert all(getattr(policy, name) is None for name in values)

    _update(sqlite_app, clinic.name, **values)
    assert all(getattr(_policy(sqlite_app, clinic.name), k) == v for k, v in values.items())
    _update(sqlite_app, clinic.name, **_none(values))
    assert all(getattr(_policy(sqlite_app, clinic.name), name) is None for name in values)


def test_quiet_hours_need_a_start_and_an_end_or_neither(sqlite_app):
    clinic = _fresh_clinic(sqlite_app)
    with pytest.raises(InvalidRequest, match="quiet hours"):
        _update(sqlite_app, clinic.name, quiet_start=None)
    assert _policy(sqlite_app, clinic.name).quiet_start == "21:00"


def test_the_cli_sets_none_on_a_new_clinic_and_shows_it(sqlite_app):
    clinic = _fresh_clinic(sqlite_app)
    run = CliRunner().invoke(
        cli, ["delivery", "set", "--clinic", clinic.name, "quiet_start=null", "quiet_end=none",
              "reminder_after_hours=null"], obj=ScriptInfo(create_app=lambda: sqlite_app))
    assert run.exit_code == 0, run.output
    policy = _policy(sqlite_app, clinic.name)
    assert (policy.quiet_start, policy.quiet_end, policy.reminder_after_hours) == (
        None, None, None)
    shown = CliRunner().invoke(cli, ["delivery", "show", "--clinic", clinic.name],
                               obj=ScriptInfo(create_app=lambda: sqlite_app))
    assert '"quiet_start": null' in shown.output and '"reminder_after_hours": null' in shown.output


def test_the_api_sets_none_on_a_new_clinic_and_a_value_later(sqlite_app):
    clinic = _fresh_clinic(sqlite_app)
    api = sqlite_app.test_client()
    auth = {"Authorization": f"Bearer {clinic.api_key}"}
    off = api.patch("/api/v1/settings/delivery", headers=auth,
                    json={"quiet_start": None, "quiet_end": None, "reminder_after_hours": None})
    assert off.status_code == 200, off.get_json()
    assert (off.get_json()["quiet_start"], off.get_json()["reminder_after_hours"]) == (None, None)
    on = api.patch("/api/v1/settings/delivery", headers=auth, json={"reminder_after_hours": 12})
    assert on.get_json()["reminder_after_hours"] == 12 and on.get_json()["quiet_end"] is None
    assert api.get("/api/v1/settings/delivery", headers=auth).get_json()["quiet_start"] is None
    wrong = api.patch("/api/v1/settings/delivery", headers=auth, json={"quiet_start": "25:00"})
    assert wrong.status_code == 422 and "quiet_start" in wrong.get_json()["fields"]
    assert api.patch("/api/v1/settings/delivery", json={}).status_code == 401


def test_the_admin_page_turns_quiet_hours_and_the_reminder_off_on_a_new_clinic(sqlite_app):
    clinic = _fresh_clinic(sqlite_app)
    with sqlite_app.extensions["fic"].db.session() as session:
        clinics.add_staff(session, repository.clinic_named(session, clinic.name),
                          "admin@clinic.test", "admin")
    admin = signed_in_client(sqlite_app, "admin@clinic.test",
                             make_account(sqlite_app, "admin@clinic.test"))
    page = "/staff/admin/clinic"
    form = {"csrf_token": csrf_token(admin.get(page).get_data(as_text=True)),
            "timezone": "UTC", "language": "en", "form_instruments": "alliance",
            "link_lifetime_hours": "96", "reminder_after_hours": "", "quiet_start": "",
            "quiet_end": "", "escalate_rupture_minutes": "1440", "escalate_urgent_minutes": "60",
            "on_call_email": "", "report_weekday": "0", "report_hour": "7",
            "report_retention_days": "365"}
    assert admin.post(page, data=form).status_code == 303
    policy = _policy(sqlite_app, clinic.name)
    assert (policy.quiet_start, policy.quiet_end, policy.reminder_after_hours) == (
        None, None, None)
