import uuid

from celery import shared_task

from fic.delivery.email import DeliveryFailed, Mailer
from fic.extensions import services
from fic.services import delivery
from tasks.retry import retry_later


@shared_task(name="fic.deliver_link", bind=True, max_retries=8)
def deliver_link(self, session_id: str) -> None:
    svc = services()
    try:
        delivery.deliver_link(
            svc.db, svc.keys, Mailer(svc.settings), svc.settings, uuid.UUID(session_id)
        )
    except DeliveryFailed as error:
        retry_later(self, error)
