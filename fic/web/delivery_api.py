"""JSON API v1, delivery side: acknowledge alerts, SMS and in-room links, the delivery log.

Authenticated by the clinic's bearer API key like the rest of v1; every id is looked up
inside that clinic, and anything outside it is a 404 exactly like an unknown id.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from flask import Blueprint, g, request
from pydantic import BaseModel, ConfigDict, StringConstraints

from fic import clock, jobs
from fic.extensions import csrf, services
from fic.services.alerts import acknowledgements
from fic.services.delivery import deliveries, link_messages
from fic.services.forms import room
from fic.web.api import api_clinic_id, install_error_handlers, parse_body

bp = Blueprint("delivery_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff: Email
    action: str
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class SmsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, StringConstraints(max_length=32)]


install_error_handlers(bp)


@bp.post("/alerts/<uuid:alert_id>/ack")
def acknowledge(alert_id: uuid.UUID):
    svc = services()
    clinic_id = api_clinic_id()
    body = parse_body(AckRequest)
    ack = acknowledgements.acknowledge(
        svc.db, svc.keys, alert_id,
        acknowledgements.StaffByEmail(body.staff, clinic_id, g.get("api_key_id")),
        body.action, body.note, clock.now(), via="api")
    return {"alert_id": str(alert_id), "action": ack.action,
            "acknowledged_at": ack.acknowledged_at.isoformat(),
            "seconds_to_ack": ack.seconds_to_ack}, 200


@bp.post("/sessions/<uuid:session_id>/sms")
def send_sms(session_id: uuid.UUID):
    svc = services()
    clinic_id = api_clinic_id()
    body = parse_body(SmsRequest)
    link_messages.queue_sms(svc.db, svc.keys, jobs.publish, clinic_id, session_id, body.phone)
    return {"id": str(session_id), "channel": "sms", "status": "queued"}, 202


@bp.post("/sessions/<uuid:session_id>/room")
def in_room(session_id: uuid.UUID):
    svc = services()
    shown = room.open_for_api(svc.db, svc.settings, api_clinic_id(), session_id, clock.now(),
                              svc.settings.room_code_minutes)
    return {"url": shown.url, "code": shown.code, "code_url": f"{svc.settings.base_url}/c",
            "qr_svg": shown.qr_svg, "expires_at": shown.expires_at.isoformat()}, 201


@bp.get("/deliveries")
def delivery_log():
    status = request.args.get("status") or None
    rows = deliveries.log(services().db, api_clinic_id(), status=status, limit=200)
    return {"deliveries": rows}, 200
