"""Embedded mode's background work: a Celery worker and Celery beat inside the fic process.

With no broker configured (`fic demo`, `fic run`, a single-box clinic) there is still a
queue and a schedule: Celery's own in-memory transport, a worker consuming it on a thread,
and beat's embedded service on another, running the very beat schedule and task code that
production runs with Redis. A form's evaluation, its alert emails, a link postponed by
quiet hours, reminders, retries, escalations, digests, the outbox reconciler and the weekly
reports all happen here, never inside a client's request.

Where it stops being enough: it lives and dies with one process. Jobs waiting in memory
are not lost when the process stops (each is an outbox or ledger row first; the
reconciler and the sweeps pick them up at the next start), but several web processes
would each run their own beat. Run more than one process, or want the work on another
machine: set FIC_REDIS_URL and run `celery -A tasks.worker worker` and `beat`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from celery import Celery
from celery.beat import EmbeddedService
from flask import Flask

log = logging.getLogger(__name__)

RUNTIME = "fic_embedded"


@dataclass
class Runtime:
    worker: object
    worker_thread: threading.Thread
    beat: EmbeddedService

    def stop(self) -> None:
        self.beat.stop()
        self.worker.stop(in_sighandler=False)  # type: ignore[attr-defined]  # celery is untyped
        self.worker_thread.join(timeout=10)


def start(app: Flask, beat_interval: float = 5.0) -> Runtime:
    """Start the worker and beat threads for `app`; `fic.jobs.publish` then queues to them.

    `beat_interval` is the longest beat sleeps between looks at its schedule."""
    celery_app: Celery = app.extensions["celery"]
    if not app.extensions["fic"].settings.embedded:
        raise RuntimeError("the embedded runtime is for installs without a broker")
    celery_app.loader.import_default_modules()
    worker = celery_app.WorkController(
        app=celery_app,
        hostname=f"embedded@{threading.get_native_id()}",
        pool="solo",
        concurrency=1,
        queues=["celery", "reports"],
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
        loglevel=logging.WARNING,
    )
    thread = threading.Thread(target=worker.start, name="fic-embedded-worker", daemon=True)
    thread.start()
    beat = EmbeddedService(celery_app, max_interval=beat_interval,
                           scheduler_cls="celery.beat:Scheduler", thread=True)
    beat.start()
    runtime = Runtime(worker, thread, beat)
    app.extensions[RUNTIME] = runtime
    log.info("embedded worker and beat started")
    return runtime


def running(app: Flask) -> bool:
    runtime: Runtime | None = app.extensions.get(RUNTIME)
    return runtime is not None and runtime.worker_thread.is_alive()


def stop(app: Flask) -> None:
    runtime: Runtime | None = app.extensions.pop(RUNTIME, None)
    if runtime is not None:
        runtime.stop()
