"""Schemathesis against the live app: no route answers 5xx or off its own OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from fic import create_app
from fic.storage.models import utcnow
from tests.conftest import make_settings
from tests.flows import answers, new_session, set_up_clinic, submit_form

# A schema-valid request may still name a clinician who is not on staff: a 422 the schema
# cannot foresee. Every other check (no 5xx, status codes, content types, bodies) stays on.
BUSINESS = [positive_data_acceptance]
CONTRACT = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture
def contract_app(tmp_path):
    app = create_app(make_settings(tmp_path / "instance"))
    app.extensions["fic"].db.upgrade()
    clinic = set_up_clinic(app)
    client = app.test_client()
    for days, score in ((14, 9.5), (7, 9.6), (0, 4.0)):
        made = new_session(client, clinic, "C-1", utcnow() - timedelta(days=days))
        submit_form(client, made["feedback_url"], answers(score))
    app.config["CONTRACT_KEY"] = clinic.api_key
    yield app
    app.extensions["fic"].db.dispose()


def _schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _auth(app) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.config['CONTRACT_KEY']}"}


def test_no_route_answers_a_server_error_or_off_its_schema(contract_app):
    for result in _schema(contract_app).get_all_operations():
        operation = result.ok()

        @CONTRACT
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=_auth(contract_app), excluded_checks=BUSINESS)

        check()


def test_chains_of_calls_that_follow_the_links_hold_to_the_schema_too(contract_app):
    machine = _schema(contract_app).as_state_machine()

    class Calls(machine):  # type: ignore[misc, valid-type]
        def before_call(self, case):
            case.headers = {**(case.headers or {}), **_auth(contract_app)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # The key is set on every step above, so the generated "invalid auth" is not.
            case.validate_response(response, excluded_checks=[*BUSINESS, ignored_auth],
                                   transport_kwargs=kwargs)

    run_state_machine_as_test(Calls, settings=settings(
        CONTRACT, max_examples=10, stateful_step_count=6))


def test_the_document_is_valid_openapi_3_1_and_lists_every_v1_route(sqlite_app):
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    listed = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    for rule in sqlite_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<uuid:{name}>", f"{{{name}}}")
            path = path.replace("<any(alliance,wellbeing,goals):name>", "{name}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in listed, (path, method)
