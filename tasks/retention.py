from celery import shared_task

from fic.extensions import services
from fic.ops import retention
from fic.storage.models import utcnow


@shared_task(name="fic.apply_retention")
def apply_retention() -> None:
    """Beat, daily: delete health data and audit rows past each clinic's period."""
    retention.apply(services().db, utcnow())
