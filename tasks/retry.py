"""Beat's delivery sweep: re-run deliveries whose retry is due or whose worker died.

Backoff lives in the database (fic.services.delivery.ledger), not in Celery countdowns, so no task
waits in Redis longer than the visibility timeout and a flushed Redis loses no retry.
"""

from celery import Task, shared_task

from fic import clock, jobs
from fic.extensions import services
from fic.services.delivery import ledger


@shared_task(name=jobs.RETRY_DELIVERIES)
def retry_deliveries() -> None:
    for kind, subject_id in ledger.due(services().db, clock.now()):
        task = jobs.RETRY.get(kind)
        if task is not None:
            jobs.publish(task, [str(subject_id)])


def retry_later(task: Task, error: Exception) -> None:
    """Celery-level retry for tasks outside the ledger (reports): backoff, capped at 10 min."""
    if task.request.is_eager:
        return
    countdown = min(600, 5 * 2**task.request.retries)
    raise task.retry(exc=error, countdown=countdown)
