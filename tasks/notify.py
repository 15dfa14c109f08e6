"""Alert tasks. Failures are not retried here: the ledger schedules them for the sweep."""

import uuid

from celery import shared_task

from fic import clock, jobs
from fic.extensions import services
from fic.services.alerts import digest, escalations, notifications
from fic.services.core import outbox
from tasks.senders import alert_senders


@shared_task(name=jobs.NOTIFY_ALERT)
def notify_alert(alert_id: str) -> None:
    notifications.notify_alert(services().db, alert_senders(), uuid.UUID(alert_id))


@shared_task(name=jobs.NOTIFY_ESCALATION)
def notify_escalation(alert_id: str) -> None:
    notifications.notify_escalation(services().db, alert_senders(), uuid.UUID(alert_id))


@shared_task(name=jobs.ESCALATE_ALERTS)
def escalate_alerts() -> None:
    """Beat: move overdue unacknowledged alerts one escalation stage on."""
    db = services().db
    outbox.flush(db, jobs.publish, escalations.escalate_due(db, clock.now()))


@shared_task(name=jobs.SEND_DIGESTS)
def send_digests() -> None:
    """Beat: the daily watch digest, at each clinic's own hour."""
    digest.send_due(services().db, alert_senders(), clock.now())
