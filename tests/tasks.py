"""Which Celery tasks ran in this process, so a test waits on them, never on a fixed sleep.

"Nothing more will arrive" is a state, not a duration: every task that started has
finished, and the broker holds no message waiting or reserved (Redis: the queues and
kombu's `unacked` hash are empty). A duplicate could only come from a task still to run.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import redis
from celery.signals import task_postrun, task_prerun

QUEUES = ("celery", "reports")


class TaskRuns:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[tuple[str, datetime]] = []
        self.lock = threading.Lock()

    def connect(self) -> None:
        task_prerun.connect(self._started, weak=False)
        task_postrun.connect(self._finished, weak=False)

    def disconnect(self) -> None:
        task_prerun.disconnect(self._started)
        task_postrun.disconnect(self._finished)

    def _started(self, sender=None, **_: object) -> None:
        with self.lock:
            self.started.append(sender.name)

    def _finished(self, sender=None, **_: object) -> None:
        with self.lock:
            self.finished.append((sender.name, datetime.now(UTC)))

    def count(self, name: str) -> int:
        with self.lock:
            return sum(n == name for n, _ in self.finished)

    def wait_for(self, name: str, after: datetime | None = None, timeout: float = 30.0) -> None:
        """Until a task called `name` has finished (at or after `after` on the fic clock)."""
        def done() -> bool:
            with self.lock:
                return any(n == name and (after is None or at >= after)
                           for n, at in self.finished)
        until(done, timeout, f"{name} did not run")

    def wait_idle(self, redis_url: str | None = None, timeout: float = 30.0) -> None:
        """Until every task started here has finished and the broker holds nothing more."""
        until(lambda: self._idle() and broker_empty(redis_url), timeout,
               "tasks were still running or queued")

    def _idle(self) -> bool:
        with self.lock:
            return len(self.started) == len(self.finished)


def broker_empty(redis_url: str | None, ignoring: tuple[str, ...] = ()) -> bool:
    """No message waiting in fic's queues or delivered and not yet acknowledged, leaving out
    the tasks named in `ignoring` (beat's periodic sweeps, which a running beat keeps adding)."""
    if redis_url is None:
        return True
    client = redis.Redis.from_url(redis_url)
    try:
        waiting = [raw for queue in QUEUES for raw in client.lrange(queue, 0, -1)]
        reserved = [json.loads(raw)[0] for raw in client.hvals("unacked")]
        messages = [json.loads(raw) for raw in waiting] + reserved
        return not [m for m in messages if m.get("headers", {}).get("task") not in ignoring]
    finally:
        client.close()


def until(condition, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(message)
