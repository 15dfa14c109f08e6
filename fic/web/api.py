"""JSON API v1 for a clinic's own systems, authenticated by a bearer API key."""

from __future__ import annotations

import uuid
from typing import Annotated, TypeVar

from flask import Blueprint, Response, g, request
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from fic import clock, jobs
from fic.errors import InvalidJson, InvalidRequest, NotFound, Unauthorized
from fic.extensions import csrf, services
from fic.services.clinic import clinics
from fic.services.core import audit
from fic.services.forms import links
from fic.services.reports import requests
from fic.services.reports.periods import parse_period

M = TypeVar("M", bound=BaseModel)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

ClientRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
EmailText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText | None = None


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    supervisor: EmailText
    period: str | None = None
    # read by fic.services.reports.periods, the one parser the page and the CLI use too
    from_: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, alias="from")
    to: Annotated[str, StringConstraints(max_length=32)] | None = None


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_ref: ClientRef
    clinician: EmailText
    held_at: AwareDatetime
    contact: Contact | None = None
    language: str | None = Field(default=None, max_length=16)


def _error(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    body: dict[str, object] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return body, status


def api_clinic_id() -> uuid.UUID:
    """The clinic whose API key the caller presented."""
    key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    try:
        if not key:
            raise NotFound("missing key")
        clinic_id, g.api_key_id = clinics.api_caller(services().db, key)
    except NotFound:
        raise Unauthorized from None
    g.api_clinic_id = clinic_id
    return clinic_id


def _audit_call(response: Response) -> Response:
    """Every authenticated API call leaves an audit row naming its key (ids only)."""
    key_id = g.get("api_key_id")
    if key_id is not None:
        args = request.view_args or {}
        target = next((str(v) for v in args.values() if isinstance(v, uuid.UUID)), None)
        audit.write(services().db, "api_call", clinic_id=g.get("api_clinic_id"),
                    object_type=(request.endpoint or "").rpartition(".")[2][:24],
                    object_id=target, outcome=f"{request.method} {response.status_code}",
                    via=f"api:{key_id}", at=clock.now())
    return response


def parse_body(model: type[M]) -> M:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise InvalidJson
    return model.model_validate(payload)


def install_error_handlers(blueprint: Blueprint) -> None:
    """The JSON errors every v1 blueprint answers with (they name fields, never values), and
    the audit row of every call."""
    blueprint.after_request(_audit_call)
    blueprint.register_error_handler(Unauthorized, lambda _: _error(
        401, "unauthorized", "Send a valid API key as 'Authorization: Bearer …'."))
    blueprint.register_error_handler(InvalidJson, lambda _: _error(
        400, "invalid_json", "The body must be a JSON object."))
    blueprint.register_error_handler(ValidationError, lambda error: _error(
        422, "invalid_request", "Some fields are missing or malformed.", _field_errors(error)))
    blueprint.register_error_handler(InvalidRequest, _invalid_request)
    blueprint.register_error_handler(NotFound, lambda _: _error(
        404, "not_found", "No such object in your clinic."))


def _invalid_request(error: InvalidRequest):
    field, _, message = str(error).partition(": ")
    return _error(422, "invalid_request", str(error), {field: message} if message else None)


install_error_handlers(bp)


@bp.post("/sessions")
def create_session():
    svc = services()
    body = parse_body(SessionRequest)
    link = links.record_session_from_api(
        svc.db, svc.settings, svc.keys, jobs.publish, api_clinic_id(), body.client_ref,
        body.clinician, body.held_at, body.contact.email if body.contact else None, body.language)
    return {
        "id": str(link.session_id),
        "feedback_url": link.url,
        "expires_at": link.expires_at.isoformat(),
    }, 201


@bp.post("/reports")
def request_report():
    """Ask for a supervisor's summary (`period` "2026-W47", or `from` and `to`); 202 while built."""
    svc = services()
    body = parse_body(ReportRequest)
    period = parse_period(body.period, body.from_, body.to)
    asked = requests.request_report(
        svc.db, requests.Owner(email=body.supervisor, clinic_id=api_clinic_id()), period,
        publish=jobs.publish)
    return _report_json(asked), 202 if asked.needed else 200


@bp.get("/reports/<uuid:report_id>")
def show_report(report_id: uuid.UUID):
    return _report_json(requests.api_report(services().db, api_clinic_id(), report_id))


def _report_json(report: requests.Requested) -> dict[str, object]:
    return {
        "id": str(report.id),
        "kind": report.kind,
        "status": report.status,
        "period": report.period,
        "created_at": report.created_at.isoformat(),
        "size_bytes": report.size_bytes,
    }


def _field_errors(error: ValidationError) -> dict[str, str]:
    """Which field and what is wrong with it; never the value that was sent."""
    fields = {}
    for problem in error.errors(include_input=False, include_url=False):
        name = ".".join(str(p) for p in problem["loc"]) or "body"
        fields[name] = problem["msg"]
    return fields
