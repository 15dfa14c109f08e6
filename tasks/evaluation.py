import uuid

from celery import shared_task

from fic import jobs
from fic.extensions import services
from fic.services.alerts import evaluation
from fic.services.core import outbox
from tasks.notify import notify_alert


@shared_task(name=jobs.EVALUATE_RESPONSE)
def evaluate_response(response_id: str) -> None:
    svc = services()
    notify_jobs = evaluation.evaluate_response(
        svc.db, svc.keys, svc.settings, uuid.UUID(response_id)
    )
    # An alert's notification is this worker's very next job, so it runs here rather than
    # a broker hop away. Its outbox row is marked once the sends are done; if they fail or
    # the worker dies first, the reconciler publishes it and the ledger sends nothing twice.
    outbox.publish_jobs(svc.db, _notify_here, notify_jobs)


def _notify_here(task: str, args: list[str]) -> bool:
    if task != evaluation.NOTIFY:
        return jobs.publish(task, args)
    # apply(): run here and now, with the task's signals and error capture, as Celery would.
    return notify_alert.apply(args=args).successful()
