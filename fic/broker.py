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

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from queue import Empty
from typing import TYPE_CHECKING, Any

from kombu import serialization
from kombu.entity import PERSISTENT_DELIVERY_MODE as PERSISTENT
from kombu.exceptions import OperationalError
from kombu.transport import redis
from kombu.utils import json
from kombu.utils.uuid import uuid
from redis import exceptions as redis_errors

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
# Redis refused, dropped or never answered: no job of the batch can count as published.
_UNREACHABLE = (OperationalError, OSError, redis_errors.ConnectionError, redis_errors.TimeoutError)


class Unreachable(Exception):  # noqa: N818 - a state of the broker, not a programming error
    """The broker did not take a batch (refused, dropped or silent)."""


class Sender:
    """Celery task messages for many jobs in one round trip, for the one thread of a process
    that publishes after commits (fic.dispatch).

    Each message is Celery's own (its task protocol) as kombu's Redis transport puts it on
    the list. Celery and kombu build it once per task and process (`_template`); per job
    only the task id, the arguments and the delivery tag change, which saves what
    `send_task` repeats per call (the producer, the retry wrapper, the queue declaration,
    the serializer lookup, kombu's routing): about half the CPU a message costs. A
    batch goes out as one LPUSH per queue, all its messages at once, in their order. The
    queues are declared by the workers when they start (a list that does not exist yet is
    created by the push). Not thread-safe: one per thread.
    """

    def __init__(self, celery_app: Celery) -> None:
        self._celery = celery_app
        self._connection: Connection | None = None
        self._templates: dict[str, _Template] = {}

    def send(self, jobs: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Publish every job, or raise (then none may count as published: the caller
        leaves them to the outbox reconciler, and a job sent twice changes nothing)."""
        try:
            channel = self._channel()
            queued: dict[str, list[str]] = {}
            for task, args in jobs:
                key, entry = self._entry(channel, task, list(args))
                queued.setdefault(key, []).append(entry)
            client = channel.client
            if len(queued) == 1:
                [(key, entries)] = queued.items()
                client.lpush(key, *entries)
            else:
                with client.pipeline(transaction=False) as pipe:
                    for key, entries in queued.items():
                        pipe.lpush(key, *entries)
                    pipe.execute()
        except _UNREACHABLE as error:
            self.close()
            raise Unreachable(type(error).__name__) from error
        except BaseException:
            self.close()
            raise

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

    def _entry(self, channel: Any, task: str, args: list[str]) -> tuple[str, str]:
        """(the Redis list, the entry for it) of one job."""
        template = self._templates.get(task)
        if template is None:
            template = self._templates[task] = _template(self._celery, channel, task)
        task_id = uuid()
        message = dict(template.message)
        message["headers"] = {**message["headers"], "id": task_id, "root_id": task_id,
                              "argsrepr": repr(args)}
        message["properties"] = {**message["properties"], "correlation_id": task_id,
                                 "delivery_tag": uuid()}
        body = json.dumps((args, {}, template.embed))
        message["body"] = base64.b64encode(body.encode()).decode()
        return template.key, json.dumps(message)


@dataclass(frozen=True)
class _Template:
    key: str  # the Redis list
    message: dict[str, Any]  # kombu's envelope of Celery's message, for no arguments
    embed: Any  # the third part of Celery's body (callbacks, errbacks, chain, chord)


def _template(celery_app: Celery, channel: Any, task: str) -> _Template:
    """One message for `task` made the way send_task and kombu make it (Celery's headers
    name this process and thread: one template per Sender)."""
    queue = celery_app.amqp.router.route({}, task, (), {})["queue"].name
    headers, properties, body, _sent = celery_app.amqp.create_task_message(
        uuid(), task, [], {}, reply_to=celery_app.thread_oid, argsrepr="[]",
        kwargsrepr="{}", ignore_result=None)
    content_type, content_encoding, data = serialization.dumps(body, "json")
    properties["delivery_mode"] = PERSISTENT
    message = channel.prepare_message(data, 0, content_type, content_encoding, headers,
                                      properties)
    if channel.body_encoding != "base64":  # what _entry encodes; kombu's Redis default
        raise RuntimeError("the Redis channel's body encoding is not base64")
    channel._inplace_augment_message(message, "", queue)  # noqa: SLF001 - what basic_publish does
    key = channel._q_for_pri(queue, channel._get_message_priority(message, reverse=False))  # noqa: SLF001
    return _Template(key, message, body[2])
