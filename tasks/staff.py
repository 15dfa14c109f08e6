"""Staff tasks: the password-reset mail, sent here rather than inside the request."""

import uuid

from celery import shared_task

from fic import clock, jobs
from fic.delivery.email import Mailer
from fic.extensions import services
from fic.services.staff import sign_in_steps


@shared_task(name=jobs.SEND_STAFF_RESET)
def send_staff_reset(staff_id: str) -> None:
    svc = services()
    sign_in_steps.send_reset(svc.db, svc.settings, Mailer(svc.settings), uuid.UUID(staff_id),
                             clock.now())
