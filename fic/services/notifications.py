"""Tell the right people that an alert exists, without saying anything about the client.

A notification row is written (and committed) before the SMTP server is called, so a
redelivered task skips everyone already told. The message carries the level, the opaque
alert id and a sign-in link: no name, score, comment or client_ref.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.delivery.email import DeliveryFailed, Email, Mailer
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Alert, Client, Notification, Staff, utcnow

LEVEL_TEXT = {
    "low_alliance": "Low alliance",
    "rupture": "Possible alliance rupture",
    "escalation": "Escalated alliance rupture",
    "urgent": "URGENT: safety concern",
}
# Who hears of each level (issue 4 makes this a clinic setting).
SUPERVISOR_LEVELS = frozenset({"rupture", "escalation", "urgent"})


@dataclass(frozen=True)
class Outcome:
    sent: int
    failed: int


def notify_alert(db: Database, mailer: Mailer, settings: Settings, alert_id: uuid.UUID) -> Outcome:
    with db.session() as session:
        alert = session.get(Alert, alert_id)
        if alert is None or alert.level not in LEVEL_TEXT:
            return Outcome(0, 0)
        level = alert.level
        recipients = _recipients(session, alert)
    sent = failed = 0
    for staff_id, address in recipients:
        notification_id = _claim(db, alert_id, staff_id)
        if notification_id is None:
            continue
        try:
            mailer.send(alert_email(settings, address, level, alert_id, notification_id))
        except DeliveryFailed as error:
            _finish(db, notification_id, error=str(error))
            failed += 1
        else:
            _finish(db, notification_id, error=None)
            sent += 1
    return Outcome(sent, failed)


def alert_email(
    settings: Settings, to: str, level: str, alert_id: uuid.UUID, notification_id: uuid.UUID
) -> Email:
    title = LEVEL_TEXT[level]
    url = f"{settings.base_url}/staff/alerts/{alert_id}"
    text = (
        f"{title}\n\n"
        f"fic raised an alert (level: {level}) for one of the clients in your care.\n"
        f"Alert: {alert_id}\n\n"
        f"Sign in to see it and record what you did:\n{url}\n\n"
        "This message deliberately carries no client details.\n"
    )
    return Email(
        to=to, subject=f"[fic] {title}", text=text, message_id=f"<{notification_id}@fic.invalid>"
    )


def _recipients(session: Session, alert: Alert) -> list[tuple[uuid.UUID, str]]:
    client = session.get(Client, alert.client_id)
    clinician = session.get(Staff, client.clinician_id) if client else None
    if clinician is None:
        return []
    people = [clinician]
    if alert.level in SUPERVISOR_LEVELS and clinician.supervisor_id:
        supervisor = session.get(Staff, clinician.supervisor_id)
        if supervisor is not None:
            people.append(supervisor)
    return [(p.id, p.email) for p in people]


def _claim(db: Database, alert_id: uuid.UUID, staff_id: uuid.UUID) -> uuid.UUID | None:
    """The notification row to send now, or None if this person was already told."""
    with db.session() as session:
        row = session.scalar(
            select(Notification).where(
                Notification.alert_id == alert_id,
                Notification.staff_id == staff_id,
                Notification.channel == "email",
            )
        )
        if row is None:
            row = Notification(
                id=uuid.uuid4(), alert_id=alert_id, staff_id=staff_id, channel="email"
            )
            session.add(row)
        elif row.status == "sent":
            return None
        row.status = "sending"
        row.attempts = (row.attempts or 0) + 1
        return row.id


def _finish(db: Database, notification_id: uuid.UUID, error: str | None) -> None:
    with db.session() as session:
        row = session.get(Notification, notification_id)
        assert row is not None  # noqa: S101 - claimed above
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", utcnow(), None
        else:
            row.status, row.last_error = "failed", error[:200]
