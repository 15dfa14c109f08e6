"""POST /api/v1/inbound/<clinic_id>/session-ended: an EHR's signed push that a session was
held. fic records it and sends the link (email or SMS), as POST /api/v1/sessions would."""

from __future__ import annotations

import uuid
from typing import Annotated

from flask import Blueprint, request
from pydantic import AwareDatetime, BaseModel, StringConstraints
from spectree import Response

from fic import jobs
from fic.extensions import services
from fic.services.core import outbox
from fic.services.integration import inbound
from fic.web.api_core import install_api, problem, public, spec
from fic.web.api_models import ClientRef, Email, Strict

bp = Blueprint("api_inbound", __name__, url_prefix="/api/v1")
install_api(bp)
bp.register_error_handler(inbound.BadSignature, lambda _: problem(
    401, "bad_signature", "Sign the raw body: Fic-Signature: t=<unix time>,v1=<hex HMAC>."))
bp.register_error_handler(inbound.Replayed, lambda _: problem(
    409, "replayed", "This event_id was received before; nothing was sent again."))


class InboundContact(Strict):
    email: Email | None = None
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None


class SessionEnded(Strict):
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    client_ref: ClientRef
    clinician: Email
    held_at: AwareDatetime
    contact: InboundContact


class Accepted(BaseModel):
    id: uuid.UUID
    expires_at: AwareDatetime
    channels: list[str]


@bp.post("/inbound/<uuid:clinic_id>/session-ended")
@public
@spec.validate(json=SessionEnded, resp=Response(HTTP_201=Accepted, HTTP_401=None, HTTP_409=None),
               tags=["inbound"], skip_validation=True)
def session_ended(clinic_id: uuid.UUID):
    """A session was held: record it and send the client their link. Signed with the
    clinic's inbound secret (fic inbound secret); the body is checked after the signature."""
    svc = services()
    inbound.check(svc.db, svc.keys, clinic_id, request.headers.get(inbound.SIGNATURE_HEADER, ""),
                  request.get_data())
    data = SessionEnded.model_validate(request.get_json(silent=True) or {})
    with svc.db.session() as session:
        done = inbound.accept(
            session, svc.settings, svc.keys, clinic_id, event_id=data.event_id,
            client_ref=data.client_ref, clinician=data.clinician, held_at=data.held_at,
            email=data.contact.email, phone=data.contact.phone)
    outbox.flush(svc.db, jobs.publish, done.outbox_ids)
    return {"id": str(done.session_id), "expires_at": done.expires_at.isoformat(),
            "channels": done.channels}, 201
