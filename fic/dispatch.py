"""Publishing after the commit, off the request's critical path.

A request that wrote outbox rows hands their jobs here once its transaction has committed,
and answers the client at once. With a Redis broker, the request's own thread publishes
them once the response has gone out (Flask's call_on_close: the client is not waiting any
more), in one round trip, so nothing has to wake another thread for every form. Anywhere
else (embedded mode, a job queued outside a request, a broker that just refused) one
thread per process publishes them, each batch it finds queued at once. That thread also
marks the published rows, in batches at most a tenth of a second late. If the process
dies first, the rows are still in the outbox and beat's reconciler (fic.relay_outbox)
publishes them a minute later: nothing is lost, and a job that runs twice changes nothing
(every task is idempotent).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from functools import partial

from flask import Flask, Response, after_this_request, current_app, has_request_context

from fic import broker, jobs
from fic.services.core import outbox

log = logging.getLogger(__name__)

_BATCH = 200
_MARK_EVERY = 0.1  # seconds
_MARK = object()  # queued to tell the thread that rows published elsewhere await their mark


class Dispatcher:
    def __init__(self, app: Flask) -> None:
        self._app = app
        self._pid = -1
        self._changed = threading.Condition()
        self._pending = 0
        # published from the request's thread after the response (Redis broker only)
        self._after_response = jobs.sender(app) is not None
        self._broker_took = True  # the last publish went through: keep publishing inline
        self._local = threading.local()
        self._senders: list[broker.Sender] = []
        self._unsent: dict[int, list[outbox.Job]] = {}
        self._published: list[uuid.UUID] = []

    def submit(self, work: Sequence[outbox.Job]) -> None:
        """Queue committed jobs for publishing; returns at once."""
        if not work:
            return
        unsent = list(work)
        with self._changed:
            if self._pid != os.getpid():  # first use in this (possibly forked) process
                self._start()
            self._pending += len(work)
            later = self._after_response and self._broker_took and has_request_context()
            if later:
                self._unsent[id(unsent)] = unsent
        if later:
            after_this_request(partial(self._once_sent, unsent))
            return
        for job in work:
            self._queue.put(job)

    def wait(self, timeout: float) -> bool:
        """Until everything handed in has been published or left for the reconciler (jobs
        still waiting for their response to close are published now, from this thread)."""
        with self._changed:
            unsent = list(self._unsent.values())
            self._unsent.clear()
        for work in unsent:
            self._publish_here(work)
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)

    def _once_sent(self, unsent: list[outbox.Job], response: Response) -> Response:
        response.call_on_close(partial(self._response_closed, unsent))
        return response

    def _response_closed(self, unsent: list[outbox.Job]) -> None:
        with self._changed:
            if self._unsent.pop(id(unsent), None) is None:
                return  # `wait` published them already
        self._publish_here(unsent)

    def _publish_here(self, work: list[outbox.Job]) -> None:
        """Publish from the calling thread, in one round trip. If the broker does not take
        them, the dispatcher's thread gets them (with its retries, never in a request's
        thread), and so do the next jobs until it has published again."""
        try:
            self._sender().send([(job.task, job.args) for job in work])
        except Exception as error:  # noqa: BLE001 - handed to the thread, which retries
            log.warning("publishing %d jobs after the response failed (%s); handed to the "
                        "dispatcher's thread", len(work), type(error).__name__)
            self._broker_took = False
            for job in work:
                self._queue.put(job)
            return
        with self._changed:
            wake = not self._published
            self._published.extend(job.id for job in work)
        if wake:
            self._queue.put(_MARK)  # type: ignore[arg-type]

    def _sender(self) -> broker.Sender:
        sender = getattr(self._local, "sender", None)
        if sender is None or self._local.pid != os.getpid():
            sender = jobs.sender(self._app)
            assert sender is not None  # noqa: S101 - only made with a Redis broker
            self._local.sender, self._local.pid = sender, os.getpid()
            with self._changed:
                self._senders.append(sender)
        return sender

    def _start(self) -> None:
        self._pid, self._pending = os.getpid(), 0
        self._unsent, self._published, self._senders = {}, [], []
        self._local = threading.local()
        self._queue: queue.SimpleQueue[outbox.Job] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="fic-dispatch", daemon=True).start()
        atexit.register(self.wait, 5.0)
        self._app.extensions["fic"].db.before_dispose(self._finish)

    def _finish(self) -> None:
        """Before the pool closes: publish and mark what is left, drop broker connections."""
        self.wait(10.0)
        with self._changed:
            senders, self._senders = self._senders, []
        for sender in senders:
            sender.close()

    def _run(self) -> None:
        """Publish each job as soon as it comes; mark the published rows together, at most
        _MARK_EVERY seconds later (the mark only tells the reconciler to leave them)."""
        with self._app.app_context():
            db = self._app.extensions["fic"].db
            sender = jobs.sender(self._app)  # a whole batch in one round trip to Redis
            handed = 0
            done: list[uuid.UUID] = []
            failed: list[uuid.UUID] = []
            since: float | None = None  # when the rows now waiting for their mark began
            while True:
                wait = None if since is None else max(0.0, since + _MARK_EVERY - time.monotonic())
                batch = self._take(wait)
                if batch and since is None:
                    since = time.monotonic()
                work = [job for job in batch if job is not _MARK]
                if work:
                    handed += len(work)
                    try:
                        published, refused = outbox.split(work, jobs.publish_batch(
                            sender, [(job.task, job.args) for job in work]))
                        done.extend(published)
                        failed.extend(refused)
                        self._broker_took = self._broker_took or bool(published)
                    except Exception as error:  # noqa: BLE001 - the reconciler has the rows
                        log.error("publishing %d jobs failed (%s); the reconciler will retry",
                                  len(work), type(error).__name__)
                if since is not None and (not batch or handed >= _BATCH
                                          or time.monotonic() - since >= _MARK_EVERY):
                    with self._changed:
                        elsewhere, self._published = self._published, []
                    try:
                        outbox.mark(db, done + elsewhere, failed)
                    except Exception as error:  # noqa: BLE001 - the reconciler has the rows
                        log.error("marking %d jobs failed (%s); the reconciler will retry",
                                  handed + len(elsewhere), type(error).__name__)
                    with self._changed:
                        self._pending -= handed + len(elsewhere)
                        self._changed.notify_all()
                    handed, done, failed, since = 0, [], [], None

    def _take(self, wait: float | None) -> list[outbox.Job]:
        """What is queued (waiting up to `wait` seconds for the first; None: for ever)."""
        try:
            batch = [self._queue.get(timeout=wait)]
        except queue.Empty:
            return []
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
