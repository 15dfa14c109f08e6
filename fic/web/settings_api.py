"""JSON API v1: a clinic's delivery settings, read and changed with its API key.

`PATCH` takes any subset of the settings `GET` returns; `null` is a value for the optional
ones (no quiet hours, no reminder, no on-call address). Every value is checked before any
is written, the same checks the admin page and `fic delivery set` use.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, request

from fic.errors import InvalidJson
from fic.extensions import csrf, services
from fic.services.clinic import delivery_settings
from fic.web.api import api_clinic_id, install_error_handlers

bp = Blueprint("settings_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
install_error_handlers(bp)


def _shown(policy: delivery_settings.DeliveryPolicy) -> dict[str, object]:
    values = asdict(policy)
    return {name: values[name] for name in delivery_settings.FIELDS}


@bp.get("/settings/delivery")
def show_delivery_settings():
    return _shown(delivery_settings.show(services().db, api_clinic_id())), 200


@bp.patch("/settings/delivery")
def change_delivery_settings():
    clinic_id = api_clinic_id()
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        raise InvalidJson
    return _shown(delivery_settings.change(services().db, clinic_id, **changes)), 200
