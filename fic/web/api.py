"""JSON API v1 for a clinic's own systems, authenticated by a bearer API key."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, request
from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, ValidationError

from fic import jobs
from fic.errors import InvalidRequest, NotFound
from fic.extensions import csrf, services
from fic.services import clinics, links, outbox

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

ClientRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
EmailText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText | None = None


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_ref: ClientRef
    clinician: EmailText
    held_at: AwareDatetime
    contact: Contact | None = None


def _error(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    body: dict[str, object] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return body, status


@bp.post("/sessions")
def create_session():
    svc = services()
    key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _error(400, "invalid_json", "The body must be a JSON object.")
    try:
        body = SessionRequest.model_validate(payload)
    except ValidationError as error:
        return _error(
            422, "invalid_request", "Some fields are missing or malformed.", _field_errors(error)
        )
    try:
        with svc.db.session() as session:
            if not key:
                raise NotFound("missing key")
            clinic = clinics.clinic_for_api_key(session, key)
            created = links.record_session(
                session,
                svc.settings,
                svc.keys,
                clinic,
                body.client_ref,
                body.clinician,
                body.held_at,
                body.contact.email if body.contact else None,
            )
    except NotFound:
        return _error(401, "unauthorized", "Send a valid API key as 'Authorization: Bearer …'.")
    except InvalidRequest as error:
        field, _, message = str(error).partition(": ")
        return _error(422, "invalid_request", str(error), {field: message} if message else None)
    outbox.flush(svc.db, jobs.publish, created.outbox_ids)
    link = created.link
    return {
        "id": str(link.session_id),
        "feedback_url": link.url,
        "expires_at": link.expires_at.isoformat(),
    }, 201


def _field_errors(error: ValidationError) -> dict[str, str]:
    """Which field and what is wrong with it; never the value that was sent."""
    fields = {}
    for problem in error.errors(include_input=False, include_url=False):
        name = ".".join(str(p) for p in problem["loc"]) or "body"
        fields[name] = problem["msg"]
    return fields
