from datetime import timedelta

from celery import shared_task

from fic import jobs
from fic.extensions import services
from fic.services.core import outbox


@shared_task(name=jobs.RELAY_OUTBOX)
def relay_outbox() -> None:
    """Beat's reconciler: publish jobs whose first publish did not go through."""
    svc = services()
    outbox.relay(svc.db, jobs.publish, timedelta(seconds=svc.settings.outbox_stale_seconds))
