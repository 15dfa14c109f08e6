from celery import shared_task

from fic import clock, jobs
from fic.extensions import services
from fic.ops import retention


@shared_task(name=jobs.APPLY_RETENTION)
def apply_retention() -> None:
    """Beat, daily: delete health data and audit rows past each clinic's period."""
    retention.apply(services().db, clock.now())
