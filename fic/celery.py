"""Celery wired to Flask the documented way (flask.palletsprojects.com, "Background Tasks").

JSON only, late acks, redelivery when a worker dies, time limits below the Redis
visibility timeout, results ignored. Without a broker URL (embedded mode) the broker is
Celery's in-memory transport and fic.embedded runs a worker and beat in the same process
(`fic demo`, `fic run`); a one-off command runs its jobs inline (fic.jobs).
"""

from __future__ import annotations

import importlib.util
import pkgutil
from typing import Any

from celery import Celery, Task
from flask import Flask

from fic import broker, jobs
from fic.errors import StorageUnavailable
from fic.ops import logs


def task_modules() -> list[str]:
    """Every module of the tasks package but the worker's entry module, found, not listed
    (fic never imports tasks/; Celery imports these when the worker starts)."""
    spec = importlib.util.find_spec("tasks")
    folders = spec.submodule_search_locations if spec else None
    return sorted(f"tasks.{m.name}" for m in pkgutil.iter_modules(folders or [])
                  if m.name != "worker")


TASK_MODULES = task_modules()
# About 8 minutes of retries (1, 2, 4 … 30 s) while the database is away.
STORAGE_RETRIES = 20


def celery_init_app(app: Flask) -> Celery:
    settings = app.extensions["fic"].settings

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                except StorageUnavailable as error:
                    # The database is restarting: run again shortly rather than drop the job.
                    if self.request.is_eager or self.request.retries >= STORAGE_RETRIES:
                        raise
                    countdown = min(30, 2 ** self.request.retries)
                    raise self.retry(exc=error, countdown=countdown,
                                     max_retries=STORAGE_RETRIES) from None

    celery_app = Celery(app.name, task_cls=FlaskTask)
    hard_limit = max(60, settings.redis_visibility_timeout // 2)
    celery_app.conf.update(
        broker_url=settings.redis_url or "memory://",
        # kombu's Redis transport, but a worker that reconnects after a Redis restart (fic.broker)
        broker_transport=broker.transport_for(settings.redis_url or "memory://"),
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=hard_limit,
        task_soft_time_limit=hard_limit - 30,
        broker_transport_options={
            "visibility_timeout": settings.redis_visibility_timeout,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
            # Look for messages a dead worker left unacked every 10 s (kombu's default
            # throttle makes it every 100 s), so they come back soon after the timeout.
            "unacked_restore_throttle": 1,
            # the in-memory queue of embedded mode (fic.embedded) is polled, not pushed
            **({"polling_interval": 0.2} if settings.embedded else {}),
        },
        broker_connection_retry_on_startup=True,
        imports=TASK_MODULES,
        # Rendering has its own queue (and worker) so a long report never delays an alert.
        task_routes={jobs.BUILD_REPORT: {"queue": "reports"}},
        beat_schedule={
            jobs.RELAY_OUTBOX: {"task": jobs.RELAY_OUTBOX,
                               "schedule": settings.outbox_relay_seconds},
            jobs.SCHEDULE_REPORTS: {"task": jobs.SCHEDULE_REPORTS, "schedule": 900.0},
            jobs.PURGE_REPORTS: {"task": jobs.PURGE_REPORTS, "schedule": 86400.0},
            jobs.APPLY_RETENTION: {"task": jobs.APPLY_RETENTION, "schedule": 86400.0},
            **_delivery_beat(settings.sweep_seconds),
        },
        timezone="UTC",
        enable_utc=True,
    )
    logs.install_celery(settings.log_format)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def _delivery_beat(sweep_seconds: float) -> dict[str, dict[str, object]]:
    """Delivery's periodic tasks: retries, escalations, reminders and digests."""
    return {
        jobs.RETRY_DELIVERIES: {"task": jobs.RETRY_DELIVERIES, "schedule": sweep_seconds},
        jobs.ESCALATE_ALERTS: {"task": jobs.ESCALATE_ALERTS, "schedule": 60.0},
        jobs.SEND_REMINDERS: {"task": jobs.SEND_REMINDERS, "schedule": 300.0},
        jobs.SEND_DIGESTS: {"task": jobs.SEND_DIGESTS, "schedule": 900.0},
    }
