"""Publishing after the commit, off the request's critical path.

A request that wrote outbox rows hands their jobs here once its transaction has committed,
and answers the client at once. One thread per process publishes them. With a Redis broker
it sends a job that comes after a quiet spell at once; when jobs come faster than one per
fiftieth of a second, it lets those of the next fiftieth gather and puts them on the broker
in one round trip (a busy process pays one round trip for several forms instead of one per
form, and an alert waits 20 ms more at most). In embedded mode it hands them to the
in-process worker, or runs them, straight away. The same thread marks the published rows,
in batches at most a tenth of a second late. If the process dies first, the rows are still
in the outbox and beat's reconciler (fic.relay_outbox) publishes them a minute later:
nothing is lost, and a job that runs twice changes nothing (every task is idempotent).
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import queue
import threading
import time
import uuid
from collections.abc import Sequence

from flask import Flask, current_app

from fic import broker, jobs
from fic.services.core import outbox

log = logging.getLogger(__name__)

_BATCH = 200
_GATHER = 0.02  # seconds jobs for a Redis broker gather before they go out together
_MARK_EVERY = 0.1  # seconds
_STARTING = threading.Lock()


class Dispatcher:
    def __init__(self, app: Flask) -> None:
        self._app = app
        self._pid = -1
        self._changed = threading.Condition()
        self._pending = 0
        self._sender: broker.Sender | None = None
        self._last_taken = -math.inf  # when the thread last took jobs from the queue

    def submit(self, work: Sequence[outbox.Job]) -> None:
        """Queue committed jobs for publishing; returns at once."""
        if not work:
            return
        if self._pid != os.getpid():  # first use in this (possibly forked) process
            with _STARTING:
                if self._pid != os.getpid():
                    self._start()
        with self._changed:
            self._pending += len(work)
        for job in work:
            self._queue.put(job)

    def wait(self, timeout: float) -> bool:
        """Until everything handed in has been published or left for the reconciler."""
        if self._pid != os.getpid():
            return True  # this process handed nothing in (a fork has its parent's count)
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)

    def _start(self) -> None:
        # All new, the lock too: a fork copies a lock the parent's thread may have held.
        self._changed, self._pending = threading.Condition(), 0
        self._queue: queue.SimpleQueue[outbox.Job] = queue.SimpleQueue()
        self._sender = jobs.sender(self._app)  # a whole batch in one round trip to Redis
        self._last_taken = -math.inf
        self._pid = os.getpid()
        threading.Thread(target=self._run, name="fic-dispatch", daemon=True).start()
        atexit.register(self.wait, 5.0)
        self._app.extensions["fic"].db.before_dispose(self._finish)

    def _finish(self) -> None:
        """Before the pool closes: publish and mark what is left, drop the broker connection
        (only once the thread is idle: the Sender is its own)."""
        if self._pid == os.getpid() and self.wait(10.0) and self._sender is not None:
            self._sender.close()  # the thread waits for jobs: the next send opens a new one

    def _run(self) -> None:
        """Publish the jobs as they come, those that gathered meanwhile together; mark the
        published rows together, at most _MARK_EVERY seconds later (the mark only tells the
        reconciler to leave them)."""
        with self._app.app_context():
            db = self._app.extensions["fic"].db
            gather = _GATHER if self._sender is not None else 0.0
            handed = 0
            done: list[uuid.UUID] = []
            failed: list[uuid.UUID] = []
            since: float | None = None  # when the rows now waiting for their mark began
            while True:
                wait = None if since is None else max(0.0, since + _MARK_EVERY - time.monotonic())
                batch = self._take(wait, gather)
                if batch and since is None:
                    since = time.monotonic()
                if batch:
                    handed += len(batch)
                    try:
                        published, refused = outbox.split(batch, jobs.publish_batch(
                            self._sender, [(job.task, job.args) for job in batch]))
                        done.extend(published)
                        failed.extend(refused)
                    except Exception as error:  # noqa: BLE001 - the reconciler has the rows
                        log.error("publishing %d jobs failed (%s); the reconciler will retry",
                                  len(batch), type(error).__name__)
                if since is not None and (not batch or handed >= _BATCH
                                          or time.monotonic() - since >= _MARK_EVERY):
                    try:
                        outbox.mark(db, done, failed)
                    except Exception as error:  # noqa: BLE001 - the reconciler has the rows
                        log.error("marking %d jobs failed (%s); the reconciler will retry",
                                  handed, type(error).__name__)
                    with self._changed:
                        self._pending -= handed
                        self._changed.notify_all()
                    handed, done, failed, since = 0, [], [], None

    def _take(self, wait: float | None, gather: float) -> list[outbox.Job]:
        """What is queued (waiting up to `wait` seconds for the first, None: for ever). When
        jobs come faster than one per `gather` seconds, also what comes in the `gather`
        seconds after the first: the thread sleeps through those, so a busy process does
        not wake it for every job, and a quiet one sends each job at once."""
        try:
            batch = [self._queue.get(timeout=wait)]
        except queue.Empty:
            return []
        now = time.monotonic()
        if now - self._last_taken < gather and self._queue.qsize() < _BATCH - 1:
            time.sleep(gather)
        self._last_taken = now
        while len(batch) < _BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch


def after_commit(work: Sequence[outbox.Job]) -> None:
    """Hand committed jobs on; returns at once. In embedded mode the dispatcher's thread
    hands them to the in-process worker when it runs (fic.embedded), else runs them itself:
    either way a slow or silent mail server never holds the client's request."""
    dispatcher(current_app._get_current_object()).submit(work)  # type: ignore[attr-defined]


def dispatcher(app: Flask) -> Dispatcher:
    found = app.extensions.get("fic.dispatch")
    if found is None:
        found = app.extensions.setdefault("fic.dispatch", Dispatcher(app))
    return found
