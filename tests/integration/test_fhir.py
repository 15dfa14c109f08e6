"""HL7 FHIR R4: Questionnaires, QuestionnaireResponses and Observations that validate, and a
round trip export -> import into a fresh clinic that gives the same course and alerts."""

from __future__ import annotations

import json
from datetime import timedelta

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select

from fic import create_app
from fic.cli.export import export_group, import_group
from fic.storage import repository
from fic.storage.models import Alert, Client, Episode, utcnow
from tests.conftest import make_settings
from tests.flows import answers, new_session, set_up_clinic, submit_form

COURSE = [(9.5, "none", ""), (9.4, "none", ""), (9.6, "little", "Good session."),
          (9.5, "none", ""), (5.0, "some", "I did not feel heard."), (9.3, "none", ""),
          (4.0, "lot", "I want to hurt myself")]


def _course(app, ref="F-1"):
    clinic = set_up_clinic(app)
    api = app.test_client()
    for week, (score, tension, comment) in enumerate(COURSE):
        held = utcnow() - timedelta(weeks=len(COURSE) - week)
        made = new_session(api, clinic, ref, held)
        submit_form(app.test_client(), made["feedback_url"], answers(score, tension, comment))
    return clinic


def _api(app, clinic):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {clinic.api_key}"
    return client


def _outcome(app):
    """The course (answers in order) and what the rules made of it, by session number."""
    with app.extensions["fic"].db.session() as session:
        client = session.scalar(select(Client))
        course = repository.course(session, client.id).sessions
        number = {r.id: n for n, (_, r) in enumerate(course, 1) if r is not None}
        values = [dict(r.values) for _, r in course if r is not None]
        alerts = sorted((number[a.response_id], a.rule, a.level) for a in session.scalars(
            select(Alert)))
        episodes = [(e.number, e.state, tuple(e.rules)) for e in session.scalars(
            select(Episode).order_by(Episode.number))]
    return values, alerts, episodes


def test_the_alliance_check_is_a_valid_sdc_friendly_questionnaire(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    body = _api(sqlite_app, clinic).get("/api/v1/instruments/alliance/fhir").get_json()
    questionnaire = Questionnaire.model_validate(body)
    items = {item.linkId: item for item in questionnaire.item}
    assert items["safety"].type == "decimal" and items["safety"].code[0].code == "safety"
    bounds = {e.url.rsplit("/", 1)[1]: e.valueDecimal for e in items["safety"].extension
              if e.url.endswith(("minValue", "maxValue"))}
    assert bounds == {"minValue": 0, "maxValue": 10}
    assert [o.valueCoding.code for o in items["tension"].answerOption] == [
        "none", "little", "some", "lot"]
    assert items["talked_through"].type == "boolean" and items["comment"].type == "text"


def test_a_clients_forms_export_as_valid_responses_and_observations(sqlite_app):
    clinic = _course(sqlite_app)
    api = _api(sqlite_app, clinic)
    [client] = api.get("/api/v1/clients").get_json()["items"]
    bundle = Bundle.model_validate(api.get(f"/api/v1/clients/{client['id']}/fhir").get_json())
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds.count("QuestionnaireResponse") == len(COURSE)
    responses = [e.resource for e in bundle.entry if isinstance(e.resource, QuestionnaireResponse)]
    assert all(r.questionnaire.endswith("/Questionnaire/alliance|1") for r in responses)
    assert responses[4].subject.identifier.value == "F-1"
    observations = [e.resource for e in bundle.entry if isinstance(e.resource, Observation)]
    totals = [o.valueQuantity.value for o in observations
              if o.code.coding[0].code == "alliance-total"]
    assert [float(t) for t in totals] == [score * 4 for score, _, _ in COURSE]
    assert any(o.code.coding[0].code == "rupture-episode" for o in observations)


def test_a_round_trip_into_a_fresh_clinic_reproduces_the_course_and_its_alerts(
        sqlite_app, tmp_path, mail):
    clinic = _course(sqlite_app)
    out = tmp_path / "clinic.ndjson"
    done = sqlite_app.test_cli_runner().invoke(
        export_group, ["fhir", "--clinic", clinic.name, "--out", str(out)])
    assert done.exit_code == 0, done.output
    for line in out.read_text().splitlines():
        resource = json.loads(line)
        {"Questionnaire": Questionnaire, "QuestionnaireResponse": QuestionnaireResponse,
         "Observation": Observation}[resource["resourceType"]].model_validate(resource)
    fresh = create_app(make_settings(tmp_path / "fresh", mail))
    fresh.extensions["fic"].db.upgrade()
    try:
        other = set_up_clinic(fresh, "Fresh Clinic")
        args = ["fhir", "--clinic", other.name, "--file", str(out), "--clinician",
                other.clinician]
        imported = fresh.test_cli_runner().invoke(import_group, args)
        assert imported.exit_code == 0, imported.output
        assert f"imported {len(COURSE)} form(s)" in imported.output
        assert _outcome(fresh) == _outcome(sqlite_app)
        again = fresh.test_cli_runner().invoke(import_group, args)
        assert f"0 form(s); {len(COURSE)} imported before" in again.output
    finally:
        fresh.extensions["fic"].db.dispose()


def test_a_form_answered_elsewhere_joins_the_course_and_the_same_rules_judge_it(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = _api(sqlite_app, clinic)
    for week, score in enumerate((9.5, 9.6, 9.4, 9.5)):
        made = new_session(api, clinic, "E-9", utcnow() - timedelta(weeks=6 - week))
        submit_form(sqlite_app.test_client(), made["feedback_url"], answers(score))
    paper = {"resourceType": "QuestionnaireResponse", "status": "completed",
             "identifier": {"system": "urn:ehr:forms", "value": "paper-17"},
             "questionnaire": "https://elsewhere.example/fhir/Questionnaire/alliance",
             "subject": {"identifier": {"system": "urn:ehr:mrn", "value": "E-9"}},
             "authored": (utcnow() - timedelta(days=1)).isoformat(),
             "item": [{"linkId": name, "answer": [{"valueDecimal": 5.0}]}
                      for name in ("safety", "heard", "goals", "approach")]
             + [{"linkId": "tension", "answer": [{"valueCoding": {"code": "none"}}]}]}
    response = api.post("/api/v1/fhir/import", json={
        "resourceType": "Bundle", "type": "collection", "entry": [{"resource": paper}]})
    assert response.status_code == 201 and response.get_json() == {"created": 1, "skipped": 0}
    alerts = api.get("/api/v1/alerts", query_string={"level": "rupture"}).get_json()["items"]
    assert [a["client_ref"] for a in alerts] == ["E-9"]


def test_a_bad_import_names_the_resource_and_imports_nothing(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    api = _api(sqlite_app, clinic)
    good = {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": "https://x.example/fhir/Questionnaire/alliance",
            "subject": {"identifier": {"value": "B-1"}}, "authored": utcnow().isoformat(),
            "item": [{"linkId": n, "answer": [{"valueDecimal": 9}]}
                     for n in ("safety", "heard", "goals", "approach")]
            + [{"linkId": "tension", "answer": [{"valueCoding": {"code": "none"}}]}]}
    bad = {**good, "item": [{"linkId": "safety", "answer": [{"valueDecimal": 97}]}]}
    response = api.post("/api/v1/fhir/import", query_string={"clinician": clinic.clinician},
                        json={"resourceType": "Bundle", "type": "collection",
                              "entry": [{"resource": good}, {"resource": bad}]})
    assert response.status_code == 422
    assert "resource 2" in response.get_json()["detail"] and "97" not in response.get_data(
        as_text=True)
    assert api.get("/api/v1/clients").get_json()["items"] == []
