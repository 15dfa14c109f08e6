"""Every route that takes an id, for every role: 200 inside the caller's scope, 404 outside.

The routes come from the app's own route table, so a new route with an id is tested the
moment it exists; one whose argument this file does not know fails until someone decides
who may use it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from werkzeug.routing import Rule

from fic import create_app
from tests.conftest import make_settings
from tests.flows import csrf_token
from tests.mail import MailCatcher
from tests.staff.world import API_PRINCIPALS, PRINCIPALS, World, build_world

# Who may reach each kind of object (staff routes).
OWNERS = {
    "client_id": {"clinician", "supervisor"},
    "alert_id": {"clinician", "supervisor"},
    "session_id": {"clinician", "supervisor"},
    "report_id": {"supervisor"},
    "staff_id": {"admin"},
    "key_id": {"admin"},
    "invitation_id": {"admin"},
    # Only the API takes these; its keys speak for the whole clinic.
    "response_id": {"clinician", "supervisor"},
    "webhook_id": {"admin"},
}
# Arguments that are not ids: capabilities (single-use tokens) and fixed choices.
# clinic_id only addresses the signed inbound webhook; its signature is the capability
# (tests/integration/test_inbound.py).
NOT_IDS = {"token", "filename", "clinic_id"}
CHOICES = {"change": "enable", "name": "alliance"}
FORM = {"staff.acknowledge": {"action": "talked_in_session", "note": "We talked it through."},
        "staff.send_link": {"channel": "room"},
        "staff.reassign_client": {"clinician": "clinician@clinic.test"}}
API_BODY = {
    "delivery_api.acknowledge": lambda w: {"staff": w.emails["clinician"],
                                           "action": "talked_in_session"},
    "delivery_api.send_sms": lambda w: {"phone": "+15555550100"},
    "api_clients.reassign_client": lambda w: {"clinician": w.emails["clinician"]},
}
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "X-Frame-Options", "Cache-Control")


def _rules() -> list[Rule]:
    folder = Path(tempfile.mkdtemp(prefix="fic-routes-"))
    return list(create_app(make_settings(folder / "instance")).url_map.iter_rules())


RULES = _rules()
ID_ROUTES = [
    (rule, method)
    for rule in RULES
    if any(name not in NOT_IDS and name not in CHOICES for name in rule.arguments)
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
]


def _case_id(case: tuple[Rule, str]) -> str:
    return f"{case[1]} {case[0].rule}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    mail = MailCatcher()
    mail.start()
    app = create_app(make_settings(tmp_path_factory.mktemp("matrix") / "instance", mail))
    app.extensions["fic"].db.upgrade()
    yield build_world(app)
    app.extensions["fic"].db.dispose()
    mail.stop()


def test_the_route_table_has_routes_with_ids_to_check():
    endpoints = {rule.endpoint for rule, _ in ID_ROUTES}
    assert {"staff.client_course", "staff.alert", "staff.acknowledge"} <= endpoints


def test_every_route_argument_is_a_known_id_a_token_or_a_fixed_choice():
    for rule in RULES:
        for name in rule.arguments:
            assert name in OWNERS or name in NOT_IDS or name in CHOICES, (
                f"{rule.rule}: decide who may use <{name}> and add it to OWNERS")


@pytest.mark.parametrize("case", ID_ROUTES, ids=_case_id)
def test_each_role_gets_the_object_only_inside_its_scope(world: World, case):
    rule, method = case
    names = [n for n in rule.arguments if n not in CHOICES]
    values = {n: world.ids[n] for n in names} | {n: v for n, v in CHOICES.items()
                                                  if n in rule.arguments}
    url = rule.build(values, append_unknown=False)[1]
    if rule.rule.startswith("/api/"):
        _check_api(world, rule, method, url)
        return
    allowed = set.intersection(*(OWNERS[n] for n in names))
    # Those who must not see it first, so a change made by an allowed caller cannot hide a leak.
    for principal in sorted(PRINCIPALS, key=lambda p: p in allowed):
        client = world.client_for(principal)
        if method == "GET":
            response = client.get(url)
        else:
            token = csrf_token(client.get("/staff/account").get_data(as_text=True))
            response = client.post(url, data={"csrf_token": token, **FORM.get(rule.endpoint, {})})
        expected = {200} if method == "GET" else {200, 303}
        if principal in allowed:
            assert response.status_code in expected, (principal, response.status_code)
        else:
            assert response.status_code == 404, (principal, response.status_code)
        for header in SECURITY_HEADERS:
            assert header in response.headers, (principal, header)


def _check_api(world: World, rule: Rule, method: str, url: str) -> None:
    client = world.app.test_client()
    body = API_BODY.get(rule.endpoint, lambda w: {})(world)
    for principal in API_PRINCIPALS[::-1]:
        response = client.open(url, method=method, json=body,
                               headers={"Authorization": f"Bearer {world.api_keys[principal]}"})
        if principal == "api_key":
            assert response.status_code not in (401, 404) and response.status_code < 500, (
                principal, response.status_code, response.get_json())
        else:
            assert response.status_code == 404, (principal, response.status_code)
