"""JSON API v1: a clinic's delivery settings, read and changed with its API key.

`PATCH` takes any subset of the settings `GET` returns; `null` is a value for the optional
ones (no quiet hours, no reminder, no on-call address). Every value is checked before any
is written, the same checks the admin page and `fic delivery set` use.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, request

from fic.extensions import csrf, services
from fic.services.clinic import delivery_settings
from fic.web.api import InvalidJson, api_clinic, install_error_handlers

bp = Blueprint("settings_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
install_error_handlers(bp)


def _shown(policy: delivery_settings.DeliveryPolicy) -> dict[str, object]:
    values = asdict(policy)
    return {name: values[name] for name in delivery_settings.FIELDS}


@bp.get("/settings/delivery")
def show_delivery_settings():
    with services().db.session() as session:
        return _shown(delivery_settings.policy_for(session, api_clinic(session).id)), 200


@bp.patch("/settings/delivery")
def change_delivery_settings():
    with services().db.session() as session:
        clinic = api_clinic(session)
        changes = request.get_json(silent=True)
        if not isinstance(changes, dict):
            raise InvalidJson
        policy = delivery_settings.update(session, clinic.id, **changes)
        return _shown(policy), 200
