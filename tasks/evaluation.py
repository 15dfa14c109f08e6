import uuid

from celery import shared_task

from fic import jobs
from fic.extensions import services
from fic.services.alerts import evaluation
from fic.services.core import outbox


@shared_task(name=jobs.EVALUATE_RESPONSE)
def evaluate_response(response_id: str) -> None:
    svc = services()
    notify_jobs = evaluation.evaluate_response(
        svc.db, svc.keys, svc.settings, uuid.UUID(response_id)
    )
    outbox.flush(svc.db, jobs.publish, notify_jobs)
