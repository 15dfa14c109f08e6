"""The senders a task needs, built from the app it runs in (one place, not in every task)."""

from __future__ import annotations

from fic.delivery.config import delivery_config
from fic.delivery.email import Mailer
from fic.delivery.files import FileSms, mail_folder
from fic.delivery.sms import sms_sender
from fic.extensions import services
from fic.services.delivery import LinkSenders
from fic.services.notifications import Senders

# Which task re-runs a delivery of each kind (the ledger's `kind` -> task name).
RETRY_TASKS = {
    "alert": "fic.notify_alert",
    "escalation": "fic.notify_escalation",
    "link_email": "fic.deliver_link",
    "link_sms": "fic.deliver_link_sms",
    "reminder": "fic.send_reminder",
}


def alert_senders() -> Senders:
    svc = services()
    return Senders(Mailer(svc.settings), svc.keys, svc.settings, delivery_config())


def link_senders() -> LinkSenders:
    svc = services()
    config = delivery_config()
    sms = sms_sender(config)
    if sms is None and svc.settings.mail_to_files:
        sms = FileSms(mail_folder(svc.settings.instance_path))
    return LinkSenders(Mailer(svc.settings), sms, svc.keys, svc.settings, config)


def beat_schedule(sweep_seconds: float) -> dict[str, dict[str, object]]:
    """Delivery's periodic tasks, merged into the Celery beat schedule."""
    return {
        "fic.retry_deliveries": {"task": "fic.retry_deliveries", "schedule": sweep_seconds},
        "fic.escalate_alerts": {"task": "fic.escalate_alerts", "schedule": 60.0},
        "fic.send_reminders": {"task": "fic.send_reminders", "schedule": 300.0},
        "fic.send_digests": {"task": "fic.send_digests", "schedule": 900.0},
    }
