"""The web layer's only way to queue work: by task name, with ids only.

With a broker, a job is published to Redis. In embedded mode it goes to the in-process
worker (fic.embedded) when that runs (`fic demo`, `fic run`), and otherwise (a one-off CLI
command, a test) runs here and now. Either way callers go through the outbox
(fic.services.core.outbox), so a job is never lost between a commit and a broker that is down.
"""

from __future__ import annotations

import logging

from celery import Celery
from flask import current_app
from kombu.exceptions import OperationalError

from fic import embedded

log = logging.getLogger(__name__)

_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.3}


def publish(task: str, args: list[str]) -> bool:
    """Hand one job to the broker (or run it, embedded). False if the broker is unreachable."""
    celery_app: Celery = current_app.extensions["celery"]
    if current_app.extensions["fic"].settings.embedded and not embedded.running(current_app):
        celery_app.loader.import_default_modules()
        result = celery_app.tasks[task].apply(args=args, throw=False)
        if result.failed():
            log.error("in-process job %s failed: %s", task, type(result.result).__name__)
        return True
    try:
        celery_app.send_task(task, args=args, retry=True, retry_policy=_PUBLISH_RETRY)
    except OperationalError as error:
        log.warning(
            "broker unreachable, job %s stays in the outbox: %s", task, type(error).__name__
        )
        return False
    return True
