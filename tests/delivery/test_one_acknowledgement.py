"""One acknowledgement use case: the page, the API and the CLI each leave the same audit row."""

from __future__ import annotations

import uuid

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from fic.cli import cli
from fic.storage.models_staff import AuditEvent
from tests.delivery.helpers import Case, alert_case
from tests.staff_flows import make_account, post_form, signed_in_client

ACTION = "consulted_supervisor"


def _rows(app, alert_id: uuid.UUID) -> list[tuple[object, ...]]:
    with app.extensions["fic"].db.session() as session:
        found = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "alert_acknowledged", AuditEvent.object_id == str(alert_id)))
        return [(e.actor_id, e.clinic_id, e.object_type, e.outcome) for e in found]


def _expected(case: Case) -> list[tuple[object, ...]]:
    return [(case.supervisor_id, case.clinic_id, "alert", ACTION)]


def _by_page(app, case: Case) -> int:
    secret = make_account(app, case.clinic.supervisor)
    web = signed_in_client(app, case.clinic.supervisor, secret)
    page = f"/staff/alerts/{case.alert_id}"
    return post_form(web, page, {"action": ACTION}, action=page + "/acknowledge").status_code


def _by_api(app, case: Case) -> int:
    return app.test_client().post(
        f"/api/v1/alerts/{case.alert_id}/ack", json={"staff": case.clinic.supervisor,
                                                     "action": ACTION},
        headers={"Authorization": f"Bearer {case.clinic.api_key}"}).status_code


def _by_cli(app, case: Case) -> int:
    out = CliRunner().invoke(
        cli, ["alert", "ack", str(case.alert_id), "--staff", case.clinic.supervisor,
              "--action", ACTION], obj=ScriptInfo(create_app=lambda: app))
    assert out.exit_code == 0, out.output
    return 200


def test_an_acknowledgement_through_the_page_the_api_and_the_cli_leaves_the_same_audit_row(
    sqlite_app,
):
    page = alert_case(sqlite_app)
    api = alert_case(sqlite_app, name="Api Clinic")
    terminal = alert_case(sqlite_app, name="Cli Clinic")
    assert _by_page(sqlite_app, page) == 303
    assert _by_api(sqlite_app, api) == 200
    assert _by_cli(sqlite_app, terminal) == 200
    for case in (page, api, terminal):
        assert _rows(sqlite_app, case.alert_id) == _expected(case)


def test_acknowledging_again_through_another_adapter_writes_no_second_row(sqlite_app):
    case = alert_case(sqlite_app)
    assert _by_api(sqlite_app, case) == 200
    assert _by_cli(sqlite_app, case) == 200
    assert _by_page(sqlite_app, case) == 303
    assert _rows(sqlite_app, case.alert_id) == _expected(case)
