from datetime import timedelta

from celery import shared_task

from fic import clock, jobs
from fic.extensions import services
from fic.services.alerts import unevaluated
from fic.services.core import outbox


@shared_task(name=jobs.RELAY_OUTBOX)
def relay_outbox() -> None:
    """Beat's reconciler: publish jobs whose first publish did not go through."""
    svc = services()
    stale = timedelta(seconds=svc.settings.outbox_stale_seconds)
    lost = timedelta(seconds=svc.settings.evaluation_stale_seconds)
    unevaluated.reopen(svc.db, clock.now(), lost)
    outbox.relay(svc.db, jobs.publish, stale)
