"""JSON API v1, delivery side: acknowledge alerts, SMS and in-room links, the delivery log.

Authenticated by the clinic's bearer API key like the rest of v1; every id is looked up
inside that clinic, and anything outside it is a 404 exactly like an unknown id.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from flask import Blueprint
from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints
from spectree import Response

from fic import clock, jobs
from fic.extensions import services
from fic.services.alerts import acknowledgements
from fic.services.delivery import deliveries, link_messages
from fic.services.forms import room
from fic.web.api import api_clinic_id
from fic.web.api_core import body, install_api, query, scope, spec

bp = Blueprint("delivery_api", __name__, url_prefix="/api/v1")
install_api(bp)

Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff: Email
    action: str
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class SmsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, StringConstraints(max_length=32)]


class AckDone(BaseModel):
    alert_id: uuid.UUID
    action: str
    acknowledged_at: AwareDatetime
    seconds_to_ack: int | float | None


class SmsQueued(BaseModel):
    id: uuid.UUID
    channel: str
    status: str


class RoomLink(BaseModel):
    url: str
    code: str
    code_url: str
    qr_svg: str
    expires_at: AwareDatetime


class DeliveryFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["pending", "sending", "sent", "failed", "dead"] | None = None


class DeliveryLog(BaseModel):
    deliveries: list[dict[str, Any]]


@bp.post("/alerts/<uuid:alert_id>/ack")
@scope("alerts:write")
@spec.validate(json=AckRequest, resp=Response(HTTP_200=AckDone), tags=["alerts"])
def acknowledge(alert_id: uuid.UUID):
    """Acknowledge an alert and record the repair, in a staff member's name."""
    svc = services()
    clinic_id = api_clinic_id()
    data = body(AckRequest)
    ack = acknowledgements.acknowledge(
        svc.db, svc.keys, alert_id, acknowledgements.StaffByEmail(data.staff, clinic_id),
        data.action, data.note, clock.now(), via="api")
    return {"alert_id": str(alert_id), "action": ack.action,
            "acknowledged_at": ack.acknowledged_at.isoformat(),
            "seconds_to_ack": ack.seconds_to_ack}, 200


@bp.post("/sessions/<uuid:session_id>/sms")
@scope("sessions:write")
@spec.validate(json=SmsRequest, resp=Response(HTTP_202=SmsQueued), tags=["sessions"])
def send_sms(session_id: uuid.UUID):
    """Send the session's link by SMS to this phone number (stored encrypted)."""
    svc = services()
    clinic_id = api_clinic_id()
    data = body(SmsRequest)
    link_messages.queue_sms(svc.db, svc.keys, jobs.publish, clinic_id, session_id, data.phone)
    return {"id": str(session_id), "channel": "sms", "status": "queued"}, 202


@bp.post("/sessions/<uuid:session_id>/room")
@scope("sessions:write")
@spec.validate(resp=Response(HTTP_201=RoomLink), tags=["sessions"])
def in_room(session_id: uuid.UUID):
    """Show the form in the room: a short-lived link, a code and a QR code."""
    svc = services()
    shown = room.open_for_api(svc.db, svc.settings, api_clinic_id(), session_id, clock.now(),
                              svc.settings.room_code_minutes)
    return {"url": shown.url, "code": shown.code, "code_url": f"{svc.settings.base_url}/c",
            "qr_svg": shown.qr_svg, "expires_at": shown.expires_at.isoformat()}, 201


@bp.get("/deliveries")
@scope("alerts:read")
@spec.validate(query=DeliveryFilter, resp=Response(HTTP_200=DeliveryLog), tags=["deliveries"])
def delivery_log():
    """The delivery log: each message, its state and every attempt (no contents)."""
    status = query(DeliveryFilter).status
    rows = deliveries.log(services().db, api_clinic_id(), status=status, limit=200)
    return {"deliveries": rows}, 200
