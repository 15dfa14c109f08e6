"""gunicorn settings for the image: `gunicorn --config python:fic.gunicorn_conf 'fic:create_app()'`.

Values come from FIC_WEB_* variables so compose can tune them without a new image. When
PROMETHEUS_MULTIPROC_DIR is set each worker writes its metrics there, and a worker that
exits is marked dead so its live gauges stop counting.
"""

from __future__ import annotations

import os

bind = os.environ.get("FIC_WEB_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container
workers = int(os.environ.get("FIC_WEB_WORKERS", "2"))
threads = int(os.environ.get("FIC_WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20
# gunicorn's own access log would print every URL, and a form URL carries its link token.
accesslog = None
errorlog = "-"


def child_exit(_server: object, worker: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
