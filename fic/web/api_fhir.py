"""API v1, HL7 FHIR R4: instruments as Questionnaires, a client's course as a Bundle, and
the import of QuestionnaireResponses answered elsewhere."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response

from fic import jobs
from fic.extensions import services
from fic.instruments import load
from fic.services.core import outbox
from fic.services.exchange import fhir_export, fhir_import
from fic.services.exchange.fhir_resources import Base, questionnaire
from fic.web.api_core import caller, install_api, scope, spec
from fic.web.api_models import Email, Strict

bp = Blueprint("api_fhir", __name__, url_prefix="/api/v1")
install_api(bp)
FHIR_JSON = "application/fhir+json"
TAGS = ["fhir"]
IMPORT_LIMIT = 4 * 1024 * 1024


class FhirResource(BaseModel):
    """Any FHIR R4 resource (a Questionnaire, a Bundle, a QuestionnaireResponse)."""

    model_config = ConfigDict(extra="allow")
    resourceType: str = Field(max_length=64)  # noqa: N815 - FHIR's own name


class ImportQuery(Strict):
    clinician: Email | None = Field(
        default=None, description="Clinician for clients new to fic (others keep theirs).")


class ImportResult(BaseModel):
    created: int
    skipped: int


def _base() -> Base:
    return Base(services().settings.base_url)


@bp.get("/instruments/<any(alliance,wellbeing,goals):name>/fhir")
@scope("instruments:read")
@spec.validate(resp=Response(HTTP_200=FhirResource), tags=TAGS)
def instrument_questionnaire(name: str):
    """The instrument as an SDC-friendly FHIR Questionnaire."""
    return questionnaire(_base(), load(name)), 200


@bp.get("/clients/<uuid:client_id>/fhir")
@scope("export")
@spec.validate(resp=Response(HTTP_200=FhirResource), tags=TAGS)
def client_bundle(client_id: uuid.UUID):
    """The client's forms (QuestionnaireResponses), alliance totals and rupture episodes
    (Observations) as a FHIR collection Bundle. Audited as an export."""
    svc = services()
    with svc.db.session() as session:
        resources = fhir_export.export_client(session, svc.keys, _base(), caller().clinic_id,
                                              client_id, caller().key_id)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection",
                              "entry": [{"resource": r} for r in resources]}
    return bundle, 200


@bp.post("/fhir/import")
@scope("responses:write")
@spec.validate(json=FhirResource, query=ImportQuery, resp=Response(HTTP_201=ImportResult),
               tags=TAGS)
def import_responses():
    """Import QuestionnaireResponses (one, or a Bundle of them) answered elsewhere: they join
    the client's course and the same rules judge them. All or nothing."""
    svc = services()
    payload = request.get_json()
    forms = fhir_import.forms_of(fhir_import.resources_of(payload))
    clinician = request.context.query.clinician  # type: ignore[attr-defined]
    done = fhir_import.import_forms(svc.db, svc.settings, svc.keys, caller().clinic_id, forms,
                                   clinician, caller().key_id)
    outbox.flush(svc.db, jobs.publish, done.outbox_ids)
    return {"created": done.created, "skipped": done.skipped}, 201


import_responses._fic_max_body = IMPORT_LIMIT
