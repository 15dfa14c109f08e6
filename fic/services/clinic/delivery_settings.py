"""Each clinic's delivery choices, with the defaults a clinic gets before it changes any.

Link lifetime 4 days; one reminder after 2 days; quiet hours 21:00–08:00 in the clinic's
own time zone (no client message then); who hears of each alert level; escalation after
24 h (rupture) or 1 h (urgent); an optional daily digest of watch cues; the crisis text
shown after a comment with risk language, in several languages.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from fic.domain.answers import N_
from fic.errors import InvalidRequest, NotFound
from fic.services.core import addresses, channels
from fic.storage.db import Database
from fic.storage.models import Clinic, utcnow
from fic.storage.models_delivery import ClinicDeliverySettings

# People; any other routing target names a delivery channel (fic.services.core.channels).
TARGETS = ("clinician", "supervisor", "on_call")
ROUTED_LEVELS = ("low_alliance", "rupture", "escalation", "urgent")
DEFAULT_ROUTING: dict[str, list[str]] = {
    "low_alliance": ["clinician"],
    "rupture": ["clinician", "supervisor", "webhook"],
    "escalation": ["supervisor", "webhook"],
    "urgent": ["clinician", "supervisor", "on_call", "webhook"],
}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class DeliveryPolicy:
    clinic_id: uuid.UUID
    clinic_name: str
    timezone: str
    language: str
    link_lifetime_hours: int = 96
    reminder_after_hours: int | None = 48
    quiet_start: str | None = "21:00"
    quiet_end: str | None = "08:00"
    routing: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_ROUTING))
    on_call_email: str | None = None
    watch_digest: bool = False
    digest_hour: int = 8
    escalate_rupture_minutes: int = 24 * 60
    escalate_urgent_minutes: int = 60
    # The clinic's own crisis text by language; where it has none, fic's own wording is shown
    # in the client's language (fic.services.forms.thanks).
    crisis_text: dict[str, str] = field(default_factory=dict)
    link_wording: dict[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    def targets(self, level: str) -> list[str]:
        return list(self.routing.get(level, DEFAULT_ROUTING.get(level, [])))

    def escalate_after(self, level: str) -> timedelta:
        if level == "urgent":
            return timedelta(minutes=self.escalate_urgent_minutes)
        return timedelta(minutes=self.escalate_rupture_minutes)

    def is_quiet(self, now: datetime) -> bool:
        """Inside quiet hours, in the clinic's own time zone (a window may cross midnight)."""
        if not self.quiet_start or not self.quiet_end:
            return False
        local = now.astimezone(self.zone).time()
        start, end = _time(self.quiet_start), _time(self.quiet_end)
        if start <= end:
            return start <= local < end
        return local >= start or local < end

    def quiet_until(self, now: datetime) -> datetime:
        """The end of the quiet hours `now` falls in (UTC), or `now` when it is not quiet."""
        if not self.is_quiet(now) or not self.quiet_end:
            return now
        local = now.astimezone(self.zone)
        end = datetime.combine(local.date(), _time(self.quiet_end), tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), _time(self.quiet_end),
                                   tzinfo=self.zone)
        return end.astimezone(now.tzinfo)

    def crisis_text_for(self, languages: list[str]) -> str | None:
        """The clinic's own crisis text in the first of these languages it has, if any."""
        for language in languages:
            text = self.crisis_text.get(language.split("-")[0].lower())
            if text:
                return text
        return None


FIELDS = tuple(
    name for name in DeliveryPolicy.__dataclass_fields__
    if name not in ("clinic_id", "clinic_name", "timezone", "language")
)


def delivery_policy(session: Session, clinic_id: uuid.UUID) -> DeliveryPolicy:
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound("no such clinic")
    row = session.get(ClinicDeliverySettings, clinic_id)
    base = DeliveryPolicy(clinic.id, clinic.name, clinic.timezone, clinic.language)
    if row is None:
        return base
    values = {name: getattr(row, name) for name in FIELDS}
    values["routing"] = {**DEFAULT_ROUTING, **(row.routing or {})}
    values["crisis_text"] = row.crisis_text or {}
    values["link_wording"] = row.link_wording or {}
    return DeliveryPolicy(clinic.id, clinic.name, clinic.timezone, clinic.language, **values)


def update(session: Session, clinic_id: uuid.UUID, **changes: object) -> DeliveryPolicy:
    """Change some settings; every value is checked before anything is written."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise InvalidRequest(f"unknown delivery setting: {', '.join(sorted(unknown))}")
    current = delivery_policy(session, clinic_id)
    for name, value in changes.items():
        _check(name, value)
    quiet = [changes.get(name, getattr(current, name)) for name in ("quiet_start", "quiet_end")]
    if (quiet[0] is None) != (quiet[1] is None):
        raise InvalidRequest("quiet hours: a start and an end, or none at all")
    row = session.get(ClinicDeliverySettings, clinic_id)
    if row is None:
        row = ClinicDeliverySettings(clinic_id=clinic_id)
        for name in FIELDS:
            setattr(row, name, getattr(current, name))
        session.add(row)
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.flush()
    return delivery_policy(session, clinic_id)


# Upper bounds: a link lives at most 60 days; escalation waits at most 30 days.
MAX_LINK_HOURS = 60 * 24
MAX_ESCALATE_MINUTES = 30 * 24 * 60
BOUNDS = {
    "link_lifetime_hours": MAX_LINK_HOURS,
    "reminder_after_hours": MAX_LINK_HOURS,
    "escalate_rupture_minutes": MAX_ESCALATE_MINUTES,
    "escalate_urgent_minutes": MAX_ESCALATE_MINUTES,
}
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(name: str, value: object) -> None:
    if name in BOUNDS and not (name == "reminder_after_hours" and value is None) and (
        not _whole(value) or not 0 < value <= BOUNDS[name]  # type: ignore[operator]
    ):
        template = (N_("a whole number from 1 to %(high)d, or none")
                    if name == "reminder_after_hours" else N_("a whole number from 1 to %(high)d"))
        raise InvalidRequest.about(name, template, high=BOUNDS[name])
    if name in ("quiet_start", "quiet_end") and value is not None and (
        not isinstance(value, str) or not _HHMM.match(value)
    ):
        raise InvalidRequest.about(name, N_("a time as HH:MM"))
    if name == "digest_hour" and (not isinstance(value, int) or not 0 <= value <= 23):
        raise InvalidRequest.about(name, N_("an hour from 0 to 23"))
    if name == "on_call_email" and value is not None:
        addresses.email_address(value, name)
    if name == "routing":
        _check_routing(value)
    if name in ("crisis_text", "link_wording") and (
        not isinstance(value, dict)
        or len(value) > 20
        or not all(isinstance(k, str) and _LANGUAGE.match(k) and isinstance(v, str)
                   and len(v) <= 2000 for k, v in value.items())
    ):
        raise InvalidRequest.about(name, N_("texts by language, each at most 2,000 characters"))


def _check_routing(value: object) -> None:
    if not isinstance(value, dict):
        raise InvalidRequest.about("routing", N_("targets by level"))
    for level, targets in value.items():
        if level not in ROUTED_LEVELS:
            raise InvalidRequest.about("routing", f"levels are {', '.join(ROUTED_LEVELS)}")
        known = (*TARGETS, *sorted(set(channels.registered()) - {"email", "sms"}))
        if not isinstance(targets, list) or not set(targets) <= set(known):
            raise InvalidRequest.about("routing", f"targets are {', '.join(known)}")


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def show(db: Database, clinic_id: uuid.UUID) -> DeliveryPolicy:
    with db.session() as session:
        return delivery_policy(session, clinic_id)


def change(db: Database, clinic_id: uuid.UUID, **changes: object) -> DeliveryPolicy:
    """Check every value, then write them all, in one transaction."""
    with db.session() as session:
        return update(session, clinic_id, **changes)
