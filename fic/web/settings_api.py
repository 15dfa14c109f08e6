"""JSON API v1: a clinic's delivery settings, read and changed with its API key.

`PATCH` takes any subset of the settings `GET` returns; `null` is a value for the optional
ones (no quiet hours, no reminder, no on-call address). Every value is checked before any
is written, the same checks the admin page and `fic delivery set` use.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict
from spectree import Response

from fic.errors import InvalidJson
from fic.extensions import services
from fic.services.clinic import delivery_settings
from fic.web.api import api_clinic_id
from fic.web.api_core import install_api, scope, spec

bp = Blueprint("settings_api", __name__, url_prefix="/api/v1")
install_api(bp)


class DeliverySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    link_lifetime_hours: int
    reminder_after_hours: int | None
    quiet_start: str | None
    quiet_end: str | None
    routing: dict[str, list[str]]
    on_call_email: str | None
    watch_digest: bool
    digest_hour: int
    escalate_rupture_minutes: int
    escalate_urgent_minutes: int
    crisis_text: dict[str, str]
    link_wording: dict[str, str]


class SettingsChange(BaseModel):
    """Any subset of the settings; each is checked before any is written."""

    model_config = ConfigDict(extra="allow")


def _shown(policy: delivery_settings.DeliveryPolicy) -> dict[str, object]:
    values = asdict(policy)
    return {name: values[name] for name in delivery_settings.FIELDS}


@bp.get("/settings/delivery")
@scope("settings:read")
@spec.validate(resp=Response(HTTP_200=DeliverySettings), tags=["settings"])
def show_delivery_settings():
    """The clinic's delivery settings: links, reminders, quiet hours, routing, crisis text."""
    return _shown(delivery_settings.show(services().db, api_clinic_id())), 200


@bp.patch("/settings/delivery")
@scope("settings:write")
@spec.validate(json=SettingsChange, resp=Response(HTTP_200=DeliverySettings), tags=["settings"])
def change_delivery_settings():
    """Change some delivery settings; answers with all of them."""
    clinic_id = api_clinic_id()
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        raise InvalidJson
    return _shown(delivery_settings.change(services().db, clinic_id, **changes)), 200
