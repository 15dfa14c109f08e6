"""The web layer's only way to queue work: by task name, with ids only.

With a broker, a job is published to Redis. In embedded mode it goes to the in-process
worker (fic.embedded) when that runs (`fic demo`, `fic run`), and otherwise (a one-off CLI
command, a test) runs here and now. Either way callers go through the outbox
(fic.services.core.outbox), so a job is never lost between a commit and a broker that is down.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from celery import Celery
from flask import Flask, current_app
from kombu.exceptions import OperationalError

from fic import broker, embedded

log = logging.getLogger(__name__)

# Every task's name, declared once: tasks/ registers under these, services queue by them.
EVALUATE_RESPONSE = "fic.evaluate_response"
NOTIFY_ALERT = "fic.notify_alert"
NOTIFY_ESCALATION = "fic.notify_escalation"
ESCALATE_ALERTS = "fic.escalate_alerts"
SEND_DIGESTS = "fic.send_digests"
DELIVER_LINK = "fic.deliver_link"
DELIVER_LINK_SMS = "fic.deliver_link_sms"
SEND_REMINDER = "fic.send_reminder"
SEND_REMINDERS = "fic.send_reminders"
RETRY_DELIVERIES = "fic.retry_deliveries"
RELAY_OUTBOX = "fic.relay_outbox"
BUILD_REPORT = "fic.build_report"
SCHEDULE_REPORTS = "fic.schedule_reports"
PURGE_REPORTS = "fic.purge_reports"
SEND_STAFF_RESET = "fic.send_staff_reset"
APPLY_RETENTION = "fic.apply_retention"
# Which task sends a delivery of each ledger kind again when its retry is due.
RETRY = {
    "alert": NOTIFY_ALERT,
    "escalation": NOTIFY_ESCALATION,
    "link_email": DELIVER_LINK,
    "link_sms": DELIVER_LINK_SMS,
    "reminder": SEND_REMINDER,
}

_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.3}


def publish(task: str, args: list[str]) -> bool:
    """Hand one job to the broker (or run it, embedded). False if the broker is unreachable
    or the job, run here, failed: the row stays unpublished and the reconciler tries again."""
    celery_app: Celery = current_app.extensions["celery"]
    if current_app.extensions["fic"].settings.embedded and not embedded.running(current_app):
        celery_app.loader.import_default_modules()
        result = celery_app.tasks[task].apply(args=args, throw=False)
        if result.failed():  # left unpublished: the outbox reconciler runs it again
            log.error("in-process job %s failed: %s", task, type(result.result).__name__)
            return False
        return True
    try:
        celery_app.send_task(task, args=args, retry=True, retry_policy=_PUBLISH_RETRY)
    except OperationalError as error:
        log.warning(
            "broker unreachable, job %s stays in the outbox: %s", task, type(error).__name__
        )
        return False
    return True


def sender(app: Flask) -> broker.Sender | None:
    """For a thread that publishes many jobs (fic.dispatch): a Sender that puts a whole
    batch on a Redis broker in one round trip; None without one (embedded mode, another
    broker URL), where jobs go one by one through `publish`."""
    url = app.extensions["fic"].settings.redis_url
    if not url or broker.transport_for(url) is None:
        return None
    return broker.Sender(app.extensions["celery"])


def publish_batch(sender: broker.Sender | None, work: Sequence[tuple[str, Sequence[str]]]
                  ) -> list[bool]:
    """Publish each (task, args): which ones the broker took. With a sender, the batch in
    one round trip. A broker that refuses, drops or stalls takes none: they stay in the
    outbox for the reconciler, and the thread is held SEND_TIMEOUT at most, not once per
    job. Any other failure is tried again job by job through `publish` (its retry, its
    logging), so exactly the rows the broker refused stay."""
    if sender is not None:
        try:
            sender.send(work)
            return [True] * len(work)
        except broker.Unreachable as error:
            log.warning("broker unreachable (%s), %d jobs stay in the outbox", error,
                        len(work))
            return [False] * len(work)
        except Exception as error:  # noqa: BLE001 - tried again one by one below
            log.warning("batch publish failed (%s); publishing job by job",
                        type(error).__name__)
    return [publish(task, list(args)) for task, args in work]
