import uuid

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from fic import clock, jobs
from fic.delivery.email import Mailer
from fic.errors import DeliveryFailed
from fic.extensions import services
from fic.reports.render import ReportRenderer
from fic.services.reports import lifecycle, requests
from tasks.retry import retry_later

# Well below the Redis visibility timeout; a 200-client summary renders in seconds.
SOFT_LIMIT, HARD_LIMIT = 240, 300


@shared_task(name=jobs.BUILD_REPORT, bind=True, max_retries=5,
             soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def build_report(self, report_id: str) -> None:
    svc = services()
    try:
        lifecycle.build(svc.db, svc.keys, svc.settings, ReportRenderer(), uuid.UUID(report_id))
    except SoftTimeLimitExceeded:
        lifecycle.mark_failed(svc.db, uuid.UUID(report_id), "rendering took too long")
        return
    try:
        lifecycle.email_owner(svc.db, svc.keys, svc.settings, Mailer(svc.settings),
                            uuid.UUID(report_id))
    except DeliveryFailed as error:
        retry_later(self, error)


@shared_task(name=jobs.SCHEDULE_REPORTS)
def schedule_reports() -> None:
    """Beat: one build job per supervisor whose clinic's report hour is now (idempotent)."""
    requests.request_due(services().db, jobs.publish, clock.now())


@shared_task(name=jobs.PURGE_REPORTS)
def purge_reports() -> None:
    lifecycle.purge_expired(services().db, clock.now())
