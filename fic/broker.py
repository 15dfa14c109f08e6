"""The Redis broker transport, with one fault of kombu's closed.

kombu's Redis channel drains a BRPOP still in flight when it closes, so that a message the
server already popped is not lost (celery/kombu#1733). When the broker has gone away, that
read raises a connection error and the close stops there: the channel stays open and keeps
its unacknowledged messages. Celery's consumer then detaches the transport from the broken
connection (Connection.collect) and closes it a second time; that second close now finds no
connection details, raises AttributeError, which is no connection error, and the worker exits
with "Unrecoverable error" instead of reconnecting: a Redis restart stopped all consumption.

Here a connection error while draining ends the drain, and the close goes on as usual:
the channel is marked closed at the first close, and messages it held unacknowledged stay in
Redis's unacked index, from which the visibility timeout restores them.

And one cost removed: kombu builds a new redis-py client (and its table of response
callbacks) for every command it sends outside the poll, a publish included; here the
channel keeps one per connection pool (redis-py clients are thread-safe).
"""

from __future__ import annotations

from collections.abc import Sequence
from queue import Empty
from typing import TYPE_CHECKING, Any

from kombu import serialization
from kombu.entity import PERSISTENT_DELIVERY_MODE as PERSISTENT
from kombu.transport import redis
from kombu.utils.uuid import uuid

if TYPE_CHECKING:
    from celery import Celery
    from kombu import Connection


class Channel(redis.Channel):
    _sync_client = None

    def _create_client(self, asynchronous: bool = False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        client = self._sync_client
        if client is None or client.connection_pool is not pool:
            client = self._sync_client = super()._create_client()
        return client

    def close(self) -> None:
        if self._in_poll and not self.closed:
            try:
                self._brpop_read()  # ends the poll whatever it raises
            except Empty:
                pass
            except self.connection_errors:
                pass  # the broker is gone; nothing more will arrive on this socket
        super().close()


class Transport(redis.Transport):
    Channel = Channel


def transport_for(url: str) -> type[redis.Transport] | None:
    """The transport for a broker URL: this one for plain Redis, kombu's own for any other
    (memory:// in embedded mode; rediss:// and sentinel:// keep kombu's URL handling)."""
    return Transport if url.startswith("redis://") else None


SEND_TIMEOUT = 1.0  # seconds a batch may wait for Redis


class Sender:
    """Celery task messages for many jobs in one round trip, for the one thread of a process
    that publishes after commits (fic.dispatch).

    Each message is Celery's own (its task protocol) handed to kombu's channel as
    `send_task` would hand it, without what send_task repeats per call: a producer from
    the pool, the retry wrapper, the queue declaration, the serializer lookup. On Redis the
    batch goes out as one pipeline. The queues are declared by the workers when they start
    (a list that does not exist yet is created by the push). Not thread-safe: one per thread.
    """

    def __init__(self, celery_app: Celery) -> None:
        self._celery = celery_app
        self._connection: Connection | None = None
        self._queues: dict[str, str] = {}

    def send(self, jobs: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Publish every job, or raise (then none may count as published: the caller
        leaves them to the outbox reconciler, and a job sent twice changes nothing)."""
        batch = None
        try:
            channel = self._channel()
            make_batch = getattr(channel, "create_publish_batch", None)  # kombu >= 5.7
            if make_batch is not None and len(jobs) > 1:  # one job: one command, no pipeline
                batch = make_batch(len(jobs))
            for task, args in jobs:
                message = self._message(channel, task, list(args))
                if batch is not None:
                    batch.publish(message, exchange="", routing_key=self._queue(task))
                else:
                    channel.basic_publish(message, exchange="", routing_key=self._queue(task))
            if batch is not None:
                batch.flush()
        except BaseException:
            self.close()
            raise
        finally:
            if batch is not None:
                batch.close()

    def close(self) -> None:
        """Drop the broker connection (the next send opens a new one)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001, S110 - a broken connection is being dropped
                pass

    def _channel(self) -> Any:
        if self._connection is None:
            # A broker that stalls holds this thread a second at most (the dispatcher's
            # thread then takes over, with the usual timeouts and retries).
            connection = self._celery.connection_for_write(
                transport_options={"socket_timeout": SEND_TIMEOUT})
            try:
                # One try, no waiting: a broker that is away is the reconciler's business.
                connection.ensure_connection(max_retries=0)
            except BaseException:
                connection.release()
                raise
            self._connection = connection
        return self._connection.default_channel

    def _message(self, channel: Any, task: str, args: list[str]) -> dict[str, Any]:
        headers, properties, body, _sent = self._celery.amqp.create_task_message(
            uuid(), task, args, {}, reply_to=self._celery.thread_oid, argsrepr=repr(args),
            kwargsrepr="{}", ignore_result=None)
        content_type, content_encoding, data = serialization.dumps(body, "json")
        properties["delivery_mode"] = PERSISTENT
        return channel.prepare_message(data, 0, content_type, content_encoding, headers,
                                       properties)

    def _queue(self, task: str) -> str:
        queue = self._queues.get(task)
        if queue is None:
            route = self._celery.amqp.router.route({}, task, (), {})
            queue = self._queues[task] = route["queue"].name
        return queue
