"""The admin's clinic settings page as use cases: every value is checked before anything is
saved, all of it is saved in one transaction, and each change writes a `settings_changed`
audit row."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from fic.services.clinic import branding, clinic_settings, delivery_settings, policies
from fic.services.core import audit
from fic.services.core.access import Actor
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Clinic


def current(db: Database, clinic_id: uuid.UUID) -> dict[str, object]:
    with db.session() as session:
        return page_values(session, clinic_id)


def save(db: Database, actor: Actor, clinic_changes: dict[str, object],
         delivery_changes: dict[str, object], now: datetime) -> None:
    with db.session() as session:
        clinic_settings.update(session, actor.clinic_id, clinic_changes)
        delivery_settings.update(session, actor.clinic_id, **delivery_changes)
        _audit(session, actor, now)


def set_policy(db: Database, settings: Settings, actor: Actor, text: str | None,
               now: datetime) -> None:
    """Install the clinic's own alert policy (checked first), or go back to the default."""
    if text is None:
        policies.remove_policy(settings, actor.clinic_id)
    else:
        policies.install_policy_text(settings, actor.clinic_id, text, "the file")
    with db.session() as session:
        _audit(session, actor, now)


def set_logo(db: Database, settings: Settings, actor: Actor, data: bytes, now: datetime) -> None:
    branding.save_logo(settings, actor.clinic_id, data)
    with db.session() as session:
        _audit(session, actor, now)


def _audit(session: Session, actor: Actor, now: datetime) -> None:
    audit.record(session, "settings_changed", actor_id=actor.staff_id, clinic_id=actor.clinic_id,
                 object_type="clinic", object_id=actor.clinic_id, at=now)


def page_values(session: Session, clinic_id: uuid.UUID) -> dict[str, object]:
    """Every setting the admin's clinic page shows, as the form's fields hold them."""
    clinic = session.get(Clinic, clinic_id)
    assert clinic is not None  # noqa: S101 - the admin's own clinic
    policy = delivery_settings.delivery_policy(session, clinic_id)
    form = next(
        (k for k, v in clinic_settings.FORMS.items() if v == clinic.instruments), "alliance"
    )
    values: dict[str, object] = {
        "timezone": clinic.timezone,
        "language": clinic.language,
        "form_instruments": form,
        "report_weekday": clinic.report_weekday,
        "report_hour": clinic.report_hour,
        "report_retention_days": clinic.report_retention_days,
        "report_attach_pdf": clinic.report_attach_pdf,
        "link_lifetime_hours": policy.link_lifetime_hours,
        "reminder_after_hours": policy.reminder_after_hours or "",
        "quiet_start": policy.quiet_start or "",
        "quiet_end": policy.quiet_end or "",
        "on_call_email": policy.on_call_email or "",
        "watch_digest": policy.watch_digest,
        "escalate_rupture_minutes": policy.escalate_rupture_minutes,
        "escalate_urgent_minutes": policy.escalate_urgent_minutes,
    }
    values.update({f"crisis_{lang}": text for lang, text in policy.crisis_text.items()})
    return values
