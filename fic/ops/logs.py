"""Structured logs: one JSON object per line, with the request id or the task id.

The formatter writes what the code logged and a few known context fields; it never adds a
request's path, query, form or body (a form URL carries its link token; a form carries
scores and comments), and the code logs ids, kinds and counts only.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Fields a log call may attach with extra={...}; anything else is left out of the line.
FIELDS = ("method", "endpoint", "status", "duration_ms", "task", "outcome")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        task = _current_task()
        if task is not None:
            entry["task_id"] = task[0]
            entry.setdefault("task", task[1])
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _current_task() -> tuple[str, str] | None:
    from celery import current_task

    task = current_task
    if task is None or not getattr(task, "request", None) or not task.request.id:
        return None
    return str(task.request.id), str(task.name)


def configure(format_name: str) -> None:
    """JSON lines on stderr for the whole process (FIC_LOG_FORMAT=json)."""
    if format_name != "json":
        return
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)


def install_celery(format_name: str) -> None:
    """Celery replaces the root handlers when a worker starts: put the formatter back."""
    if format_name != "json":
        return
    from celery.signals import after_setup_logger, after_setup_task_logger

    def reformat(logger: logging.Logger | None = None, **_: object) -> None:
        for handler in (logger or logging.getLogger()).handlers:
            handler.setFormatter(JsonFormatter())

    after_setup_logger.connect(reformat, weak=False)
    after_setup_task_logger.connect(reformat, weak=False)


def request_ids(app: Flask) -> None:
    """Every request gets an id (the proxy's X-Request-ID if it looks like one) and one log
    line: method, route pattern (never the path), status and time."""
    log = logging.getLogger("fic.request")

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = datetime.now(UTC)

    @app.after_request
    def _finish(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
            took = (datetime.now(UTC) - g.request_started).total_seconds() * 1000
            rule = request.url_rule.rule if request.url_rule else "(no route)"
            log.info("%s %s %s", request.method, rule, response.status_code,
                     extra={"method": request.method, "endpoint": rule,
                            "status": response.status_code, "duration_ms": round(took, 1)})
        return response
