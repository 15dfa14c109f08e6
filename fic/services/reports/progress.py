"""A client progress report for the clinician's file: the whole course of one client."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.orm import Session

from fic import clock, i18n
from fic.crypto import KeyRing
from fic.errors import NotFound
from fic.services.clinic.branding import logo_data_uri
from fic.services.reports.client_view import client_view
from fic.settings import Settings
from fic.storage.models import Client, Clinic, Staff


def progress_context(session: Session, keys: KeyRing, settings: Settings, owner: Staff,
                     client: Client) -> dict[str, object]:
    """Only the client's own clinician, or that clinician's supervisor, receives it."""
    clinician = session.get(Staff, client.clinician_id)
    if clinician is None or owner.id not in (clinician.id, clinician.supervisor_id):
        raise NotFound("no such client")
    clinic = session.get(Clinic, client.clinic_id)
    assert clinic is not None  # noqa: S101 - foreign key
    everything = datetime.min.replace(tzinfo=UTC)
    view = client_view(session, keys, settings, client, everything, clock.now(), clinic.timezone)
    return {
        "lang": i18n.current(),
        "clinic": clinic.name,
        "logo": logo_data_uri(settings, clinic.id) or "logo.svg",
        "owner": owner.email,
        "generated_on": format_date(clock.now().astimezone(ZoneInfo(clinic.timezone)).date(),
                                    "medium", locale=i18n.current()),
        "client": view.primitives(),
    }
