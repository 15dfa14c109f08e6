"""API v1: alerts (list with filters, get), staff, webhooks and instruments."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from flask import Blueprint
from spectree import Response

from fic.extensions import services
from fic.instruments import load
from fic.services.clients import records
from fic.services.integration import webhooks
from fic.web.api_core import body, caller, install_api, query, scope, spec
from fic.web.api_models import (
    AlertOut,
    AlertPage,
    AlertQuery,
    InstrumentList,
    InstrumentOut,
    StaffList,
    StaffOut,
    StaffQuery,
    WebhookIn,
    WebhookList,
    WebhookOut,
    WebhookSecret,
    out,
)

bp = Blueprint("api_admin", __name__, url_prefix="/api/v1")
install_api(bp)
SHIPPED = ("alliance", "wellbeing", "goals")


@bp.get("/alerts")
@scope("alerts:read")
@spec.validate(query=AlertQuery, resp=Response(HTTP_200=AlertPage), tags=["alerts"])
def list_alerts():
    """Alerts, newest first, filtered by level, rule, acknowledged, client or date."""
    q = query(AlertQuery)
    with services().db.session() as session:
        items, cursor = records.alerts(
            session, caller().clinic_id, cursor=str(q.cursor) if q.cursor else None,
            limit=q.limit, level=q.level, rule=q.rule, acknowledged=q.acknowledged,
            client_id=q.client_id, since=q.since)
        return {"items": [out(AlertOut, a) for a in items], "next_cursor": cursor}, 200


@bp.get("/alerts/<uuid:alert_id>")
@scope("alerts:read")
@spec.validate(resp=Response(HTTP_200=AlertOut), tags=["alerts"])
def show_alert(alert_id: uuid.UUID):
    """One alert; poll it with If-None-Match to see when it is acknowledged."""
    with services().db.session() as session:
        return out(AlertOut, records.alert_view(session, caller().clinic_id, alert_id)), 200


@bp.get("/staff")
@scope("staff:read")
@spec.validate(query=StaffQuery, resp=Response(HTTP_200=StaffList), tags=["staff"])
def list_staff():
    """The clinic's staff: email, role and supervisor."""
    role = query(StaffQuery).role
    with services().db.session() as session:
        items = records.staff_of(session, caller().clinic_id, role)
        return {"items": [out(StaffOut, s) for s in items]}, 200


@bp.post("/webhooks")
@scope("webhooks:write")
@spec.validate(json=WebhookIn, resp=Response(HTTP_201=WebhookSecret), tags=["webhooks"])
def add_webhook():
    """Add a signed webhook; the signing secret is in this answer only."""
    svc = services()
    data = body(WebhookIn)
    with svc.db.session() as session:
        made = webhooks.add(session, svc.keys, caller().clinic_id, data.url)
        return out(WebhookSecret, made), 201


@bp.get("/webhooks")
@scope("webhooks:read")
@spec.validate(resp=Response(HTTP_200=WebhookList), tags=["webhooks"])
def list_webhooks():
    """The clinic's active webhooks (never their secrets)."""
    with services().db.session() as session:
        items = webhooks.listing(session, caller().clinic_id)
        return {"items": [out(WebhookOut, w) for w in items]}, 200


@bp.post("/webhooks/<uuid:webhook_id>/rotate")
@scope("webhooks:write")
@spec.validate(resp=Response(HTTP_200=WebhookSecret), tags=["webhooks"])
def rotate_webhook(webhook_id: uuid.UUID):
    """A new signing secret, shown in this answer only; the old one stops at once."""
    svc = services()
    with svc.db.session() as session:
        made = webhooks.rotate(session, svc.keys, caller().clinic_id, webhook_id)
        return out(WebhookSecret, made), 200


@bp.delete("/webhooks/<uuid:webhook_id>")
@scope("webhooks:write")
@spec.validate(resp=Response("HTTP_204"), tags=["webhooks"])
def remove_webhook(webhook_id: uuid.UUID):
    """Stop delivering to this webhook."""
    with services().db.session() as session:
        webhooks.remove(session, caller().clinic_id, webhook_id)
    return "", 204


@bp.get("/instruments")
@scope("instruments:read")
@spec.validate(resp=Response(HTTP_200=InstrumentList), tags=["instruments"])
def list_instruments():
    """The instruments a clinic can put on its form."""
    return {"items": list(SHIPPED)}, 200


@bp.get("/instruments/<any(alliance,wellbeing,goals):name>")
@scope("instruments:read")
@spec.validate(resp=Response(HTTP_200=InstrumentOut), tags=["instruments"])
def show_instrument(name: str):
    """An instrument's items, scoring and cutoff (as this installation words it)."""
    instrument = load(name)
    data = asdict(instrument)
    return out(InstrumentOut, data), 200
