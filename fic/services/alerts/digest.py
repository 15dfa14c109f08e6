"""The daily digest of watch cues, for clinics that ask for it instead of single messages.

Once a day, at the clinic's `digest_hour` in its own time zone, each clinician with watch
cues raised in the past day gets one email with how many there were and a sign-in link.
The ledger key digest:<clinician>:<local date> makes it once a day whatever beat does. It
speaks the clinician's language (fic.services.core.languages).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fic import i18n
from fic.services.alerts.notifications import Senders
from fic.services.clinic.delivery_settings import delivery_policy
from fic.services.core import channels
from fic.services.core.languages import staff_language
from fic.services.delivery import ledger
from fic.storage.db import Database
from fic.storage.models import Alert, Client, Clinic, Staff
from fic.storage.models_delivery import ClinicDeliverySettings


def send_due(db: Database, senders: Senders, now: datetime) -> int:
    sent = 0
    with db.session() as session:
        clinic_ids = session.scalars(
            select(ClinicDeliverySettings.clinic_id).where(ClinicDeliverySettings.watch_digest)
        ).all()
        plans = []
        for clinic_id in clinic_ids:
            policy = delivery_policy(session, clinic_id)
            local = now.astimezone(policy.zone)
            if local.hour != policy.digest_hour:
                continue
            counts = session.execute(
                select(Staff.id, Staff.email, func.count(Alert.id))
                .join(Client, Client.clinician_id == Staff.id)
                .join(Alert, Alert.client_id == Client.id)
                .join(Clinic, Clinic.id == Client.clinic_id)
                .where(Clinic.id == clinic_id, Alert.level == "watch",
                       Alert.created_at > now - timedelta(days=1), Alert.created_at <= now)
                .group_by(Staff.id, Staff.email)
            ).all()
            plans += [(clinic_id, local.date().isoformat(), row) for row in counts]
    for clinic_id, day, (staff_id, email, count) in plans:
        sent += _send(db, senders, clinic_id, day, staff_id, email, count, now)
    return sent


def _send(db: Database, senders: Senders, clinic_id: uuid.UUID, day: str, staff_id: uuid.UUID,
          email: str, count: int, now: datetime) -> int:
    spec = ledger.Spec(f"digest:{staff_id}:{day}", "digest", "email", staff_id, clinic_id)
    with db.session() as session, force_locale(_language(session, staff_id)):
        when = format_date(date.fromisoformat(day), "long", locale=i18n.current())
        text = (
            _("Daily digest for %(day)s", day=when) + "\n\n"
            + ngettext("fic noted %(num)d watch cue among your clients in the past day.",
                       "fic noted %(num)d watch cues among your clients in the past day.", count)
            + " " + _("None of them needs action now; they are shown beside each client's "
                      "course.") + "\n\n" + _("Sign in to see them:")
            + f"\n{senders.settings.base_url}/staff\n\n"
            + _("This message deliberately carries no client details.") + "\n"
        )
        subject = "[fic] " + ngettext("Daily digest: %(num)d watch cue",
                                      "Daily digest: %(num)d watch cues", count)
    content = channels.Content(subject, text, f"{subject}: {senders.settings.base_url}/staff")
    via = channels.get("email")

    def send(held: ledger.Claim) -> int | None:
        return via.send(senders, channels.Address(str(staff_id), email, staff_id=staff_id),
                        content, str(held.delivery_id))

    # A failed digest is retried by the next hourly run of the same day.
    return int(ledger.deliver(db, spec, now, via.timeout(senders), send, senders.settings)
               == ledger.SENT)


def _language(session: Session, staff_id: uuid.UUID) -> str:
    staff = session.get(Staff, staff_id)
    return staff_language(session, staff) if staff is not None else "en"
