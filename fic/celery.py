"""Celery wired to Flask the documented way (flask.palletsprojects.com, "Background Tasks").

JSON only, late acks, redelivery when a worker dies, time limits below the Redis
visibility timeout, results ignored. Without a broker URL (embedded mode) the broker is
Celery's in-memory transport and fic.embedded runs a worker and beat in the same process
(`fic demo`, `fic run`); a one-off command runs its jobs inline (fic.jobs).
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

TASK_MODULES = [
    "tasks.evaluation", "tasks.notify", "tasks.links", "tasks.outbox", "tasks.reports",
]  # fmt: skip


def celery_init_app(app: Flask) -> Celery:
    settings = app.extensions["fic"].settings

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    hard_limit = max(60, settings.redis_visibility_timeout // 2)
    celery_app.conf.update(
        broker_url=settings.redis_url or "memory://",
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
            # the in-memory queue of embedded mode (fic.embedded) is polled, not pushed
            **({"polling_interval": 0.2} if settings.embedded else {}),
        },
        broker_connection_retry_on_startup=True,
        imports=TASK_MODULES,
        # Rendering has its own queue (and worker) so a long report never delays an alert.
        task_routes={"fic.build_report": {"queue": "reports"}},
        beat_schedule={
            "fic.relay_outbox": {"task": "fic.relay_outbox", "schedule": 30.0},
            "fic.schedule_reports": {"task": "fic.schedule_reports", "schedule": 900.0},
            "fic.purge_reports": {"task": "fic.purge_reports", "schedule": 86400.0},
            **_delivery_beat(settings.sweep_seconds),
        },
        timezone="UTC",
        enable_utc=True,
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def _delivery_beat(sweep_seconds: float) -> dict[str, dict[str, object]]:
    """Delivery's periodic tasks: retries, escalations, reminders and digests."""
    return {
        "fic.retry_deliveries": {"task": "fic.retry_deliveries", "schedule": sweep_seconds},
        "fic.escalate_alerts": {"task": "fic.escalate_alerts", "schedule": 60.0},
        "fic.send_reminders": {"task": "fic.send_reminders", "schedule": 300.0},
        "fic.send_digests": {"task": "fic.send_digests", "schedule": 900.0},
    }
