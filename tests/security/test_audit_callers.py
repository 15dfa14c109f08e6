"""Whoever calls, the audit trail says who: the API key behind an API call, the CLI behind a
terminal command; and an API acknowledgement must name someone who may act on the alert."""

from __future__ import annotations

import uuid

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from fic.cli import cli
from fic.services.clinic import clinics
from fic.storage import repository
from fic.storage.models import Alert, ApiKey
from fic.storage.models_staff import AuditEvent, StaffCredential
from tests.delivery.helpers import alert_case

ACTION = "talked_in_session"


def _ack(app, case, staff_email: str):
    return app.test_client().post(
        f"/api/v1/alerts/{case.alert_id}/ack", json={"staff": staff_email, "action": ACTION},
        headers={"Authorization": f"Bearer {case.clinic.api_key}"})


def _rows(app, action: str) -> list[AuditEvent]:
    with app.extensions["fic"].db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                    .order_by(AuditEvent.seq)))


def _key_id(app, case) -> uuid.UUID:
    with app.extensions["fic"].db.session() as session:
        return session.scalar(select(ApiKey.id).where(ApiKey.clinic_id == case.clinic_id))


def _acknowledged(app, case) -> bool:
    with app.extensions["fic"].db.session() as session:
        return session.get(Alert, case.alert_id).acknowledged_at is not None


def _cli(app, *args: str):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_an_api_acknowledgement_leaves_an_audit_row_naming_the_api_key(app):
    case = alert_case(app)
    assert _ack(app, case, case.clinic.clinician).status_code == 200
    [row] = _rows(app, "alert_acknowledged")
    assert row.actor_id == case.clinician_id and row.via == f"api:{_key_id(app, case)}"
    calls = _rows(app, "api_call")
    assert calls and calls[-1].via == row.via and calls[-1].object_id == str(case.alert_id)


def test_a_cli_acknowledgement_leaves_an_audit_row_saying_it_came_from_the_cli(sqlite_app):
    case = alert_case(sqlite_app)
    out = _cli(sqlite_app, "alert", "ack", str(case.alert_id), "--staff",
               case.clinic.supervisor, "--action", ACTION)
    assert out.exit_code == 0, out.output
    [row] = _rows(sqlite_app, "alert_acknowledged")
    assert (row.actor_id, row.via) == (case.supervisor_id, "cli")


def test_an_api_acknowledgement_in_a_disabled_clinicians_name_is_refused(app):
    case = alert_case(app)
    with app.extensions["fic"].db.session() as session:
        session.add(StaffCredential(staff_id=case.clinician_id, password_hash="!",
                                    disabled_at=_now()))
    refused = _ack(app, case, case.clinic.clinician)
    assert refused.status_code == 422 and "disabled" in refused.get_json()["message"]
    assert not _acknowledged(app, case) and not _rows(app, "alert_acknowledged")


def test_an_api_acknowledgement_in_an_out_of_scope_clinicians_name_is_refused(app):
    case = alert_case(app)
    other = "other.clinician@clinic.test"
    with app.extensions["fic"].db.session() as session:
        clinics.add_staff(session, repository.clinic_named(session, case.clinic.name), other,
                          "clinician", case.clinic.supervisor)
    refused = _ack(app, case, other)
    assert refused.status_code == 422 and "may not act" in refused.get_json()["message"]
    assert not _acknowledged(app, case) and not _rows(app, "alert_acknowledged")


def test_terminal_commands_that_change_or_disclose_leave_audit_rows(sqlite_app, tmp_path):
    app = sqlite_app
    case = alert_case(app)
    name = case.clinic.name
    commands = {
        "staff_added": ["staff", "add", "--clinic", name, "--email", "new@clinic.test",
                        "--role", "supervisor"],
        "passphrase_rotated": ["staff", "passphrase", case.clinic.supervisor],
        "api_key_created": ["apikey", "create", "--clinic", name],
        "webhook_added": ["webhook", "add", "--clinic", name, "--url",
                          "http://127.0.0.1:9/hook", "--allow-private"],
        "settings_changed": ["delivery", "set", "--clinic", name, "digest_hour=7"],
        "report_exported": ["report", "--supervisor", case.clinic.supervisor, "--period",
                            "2026-W10", "--out", str(tmp_path / "r.pdf")],
    }
    for action, args in commands.items():
        out = _cli(app, *args)
        assert out.exit_code == 0, (action, out.output)
        rows = _rows(app, action)
        assert rows and rows[-1].via == "cli", action


def _now():
    from fic import clock

    return clock.now()
