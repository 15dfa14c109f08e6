"""Prometheus metrics: what the processes did (counters, histograms) and, at scrape time, how
things stand (outbox age, queue depth, open escalations).

Counters are fed from the ORM's commit (a committed Response is a form received, a committed
Alert an alert, a Delivery whose status changed an outcome), so no use case carries metric
code and nothing counts a transaction that rolled back. Task durations come from Celery's
task signals. With PROMETHEUS_MULTIPROC_DIR set (the image sets it) every gunicorn and
Celery process writes its own file there, named by host and pid so containers sharing one
volume never collide, and `/metrics` on any web process adds them all up.

Labels are levels, channels, kinds, outcomes and queue names: never an id or a person.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from typing import cast

import redis
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from fic.storage import counts
from fic.storage.models import Alert, Outbox, Response, utcnow
from fic.storage.models_delivery import Acknowledgement, AlertEscalation, Delivery

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # pragma: no cover - set in the image
    _HOST = socket.gethostname().replace("_", "-")
    values.ValueClass = values.MultiProcessValue(lambda: f"{_HOST}-{os.getpid()}")

FORMS = Counter("fic_forms_received", "Post-session forms stored")
ALERTS = Counter("fic_alerts", "Alerts raised, by level", ["level"])
DELIVERIES = Counter("fic_deliveries", "Delivery outcomes (sent, failed: retried, dead: given up)",
                     ["channel", "kind", "outcome"])
EVALUATION = Histogram("fic_evaluation_seconds", "Time to evaluate one response",
                       buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REPORT_BUILD = Histogram("fic_report_build_seconds", "Time to render, encrypt and send a report",
                         buckets=(0.5, 1, 2, 5, 10, 20, 40, 60, 120, 300))
TASKS = Histogram("fic_task_seconds", "Celery task run time, by task name", ["task"],
                  buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300))
_TIMED = {"fic.evaluate_response": EVALUATION, "fic.build_report": REPORT_BUILD}
QUEUES = ("celery", "reports")
_PENDING = counts.PENDING


def install() -> None:
    """Listen to commits and task runs once per process."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _count)
        event.listen(Session, "after_soft_rollback", _forget)
        counts.listeners.append(_count_one)
        _install_task_timers()


def _collect(session: Session, _context: object) -> None:
    pending = session.info.setdefault(_PENDING, [])
    for row in session.new:
        if isinstance(row, Response):
            pending.append((FORMS, ()))
        elif isinstance(row, Alert):
            pending.append((ALERTS, (row.level,)))
        elif isinstance(row, Delivery) and row.status in ("sent", "failed", "dead"):
            pending.append((DELIVERIES, (row.channel, row.kind, row.status)))
    for row in session.dirty:
        if isinstance(row, Delivery) and row.status in ("sent", "failed", "dead"):
            if inspect(row).attrs.status.history.added:
                pending.append((DELIVERIES, (row.channel, row.kind, row.status)))


def _count(session: Session) -> None:
    named = {counts.FORMS: FORMS, counts.ALERTS: ALERTS, counts.DELIVERIES: DELIVERIES}
    for metric, labels in session.info.pop(_PENDING, []):
        metric = named.get(metric, metric)
        (metric.labels(*labels) if labels else metric).inc()


def _count_one(what: str, labels: tuple[str, ...]) -> None:
    metric = {counts.FORMS: FORMS, counts.ALERTS: ALERTS, counts.DELIVERIES: DELIVERIES}[what]
    (metric.labels(*labels) if labels else metric).inc()


def _forget(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING, None)


def _install_task_timers() -> None:
    from celery.signals import task_postrun, task_prerun

    started: dict[str, float] = {}

    @task_prerun.connect(weak=False)
    def _start(task_id: str | None = None, **_: object) -> None:
        if task_id:
            started[task_id] = time.perf_counter()

    @task_postrun.connect(weak=False)
    def _stop(task_id: str | None = None, task: object = None, **_: object) -> None:
        began = started.pop(task_id or "", None)
        name = getattr(task, "name", None)
        if began is None or not name or not str(name).startswith("fic."):
            return
        took = time.perf_counter() - began
        TASKS.labels(name).observe(took)
        if name in _TIMED:
            _TIMED[name].observe(took)


class StateCollector:
    """Gauges read at scrape time from the database and the broker."""

    def __init__(self, db: object, redis_url: str | None) -> None:
        self.db, self.redis_url = db, redis_url

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        with self.db.session() as session:  # type: ignore[attr-defined]
            oldest = session.scalar(select(func.min(Outbox.created_at))
                                    .where(Outbox.published_at.is_(None)))
            waiting = session.scalar(select(func.count()).select_from(Outbox)
                                     .where(Outbox.published_at.is_(None)))
            by_status = dict(session.execute(select(Delivery.status, func.count())
                                             .group_by(Delivery.status)).all())
            escalated = session.scalar(
                select(func.count()).select_from(AlertEscalation)
                .outerjoin(Acknowledgement, Acknowledgement.alert_id == AlertEscalation.alert_id)
                .where(AlertEscalation.stage >= 1, Acknowledgement.id.is_(None)))
        if oldest is not None and oldest.tzinfo is None:
            oldest = Outbox.created_at.type.process_result_value(oldest, None)
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        yield GaugeMetricFamily("fic_outbox_oldest_seconds",
                                "Age of the oldest job not yet handed to the broker", value=age)
        yield GaugeMetricFamily("fic_outbox_pending", "Jobs not yet handed to the broker",
                                value=waiting or 0)
        deliveries = GaugeMetricFamily("fic_deliveries_by_status",
                                       "Delivery rows by status now", labels=["status"])
        for status in ("pending", "sending", "failed", "dead", "sent"):
            deliveries.add_metric([status], by_status.get(status, 0))
        yield deliveries
        yield GaugeMetricFamily("fic_escalations_open",
                                "Escalated alerts nobody has acknowledged", value=escalated or 0)
        depth = GaugeMetricFamily("fic_queue_depth", "Messages waiting in a broker queue "
                                  "(-1: broker unreachable)", labels=["queue"])
        for queue, length in self._queues():
            depth.add_metric([queue], length)
        yield depth

    def _queues(self) -> list[tuple[str, float]]:
        if not self.redis_url:
            return [(queue, 0.0) for queue in QUEUES]
        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=1, socket_timeout=1)
        try:
            # the synchronous client answers ints (redis-py types it for async clients too)
            return [(queue, float(cast(int, client.llen(queue)))) for queue in QUEUES]
        except redis.RedisError:
            return [(queue, -1.0) for queue in QUEUES]
        finally:
            client.close()


class _Forward:
    """This process's own metrics (no multiprocess folder: embedded mode, tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(db: object, redis_url: str | None) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_Forward())
    registry.register(StateCollector(db, redis_url))
    return generate_latest(registry)
