import uuid

from celery import shared_task

from fic.delivery.email import DeliveryFailed, Mailer
from fic.extensions import services
from fic.services import notifications
from tasks.retry import retry_later


@shared_task(name="fic.notify_alert", bind=True, max_retries=8)
def notify_alert(self, alert_id: str) -> None:
    svc = services()
    outcome = notifications.notify_alert(
        svc.db, Mailer(svc.settings), svc.settings, uuid.UUID(alert_id)
    )
    if outcome.failed:
        retry_later(self, DeliveryFailed(f"{outcome.failed} recipient(s) not reached"))
