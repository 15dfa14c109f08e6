"""A clinic's own settings kept on the clinic row: time zone, language, form, report schedule."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from fic.domain.answers import N_
from fic.errors import InvalidRequest, NotFound
from fic.i18n import LANGUAGES
from fic.storage.models import Clinic

FORMS = {"alliance": ["alliance"], "alliance+wellbeing": ["alliance", "wellbeing"]}


def update(session: Session, clinic_id: uuid.UUID, changes: Mapping[str, object]) -> Clinic:
    """Check every value first; then write them all, or nothing."""
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound("no such clinic")
    checked = {name: _check(name, value) for name, value in changes.items()}
    for name, value in checked.items():
        setattr(clinic, name, value)
    return clinic


def _check(name: str, value: object) -> object:
    if name == "timezone":
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidRequest.about("timezone",
                                       N_("a time zone such as Europe/Berlin")) from None
        return str(value)
    if name == "language":
        if value not in LANGUAGES:
            raise InvalidRequest.about("language", f"one of {', '.join(LANGUAGES)}")
        return value
    if name == "form_instruments":
        if value not in FORMS:
            raise InvalidRequest.about(
                "form_instruments", "the alliance check, with or without wellbeing")
        return FORMS[str(value)]
    limits = {"report_weekday": (0, 6), "report_hour": (0, 23),
              "report_retention_days": (30, 3650)}
    if name in limits:
        low, high = limits[name]
        if not isinstance(value, int) or not low <= value <= high:
            raise InvalidRequest.about(name, N_("a whole number from %(low)d to %(high)d"),
                                       low=low, high=high)
        return value
    if name == "report_attach_pdf":
        return bool(value)
    raise InvalidRequest(f"unknown clinic setting: {name}")
