"""A worker's broker connection, torn down the way Celery's consumer does it when Redis goes
away while the worker waits on the queue with a task in hand. kombu's own Redis channel
raised AttributeError there, which Celery takes for unrecoverable: the worker exited and
nothing was consumed after Redis came back (fic.broker)."""

from __future__ import annotations

import contextlib
import socket

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue

from fic.broker import Transport
from tests.delivery.procs import RedisServer

pytestmark = pytest.mark.redis


def test_a_connection_waiting_on_redis_when_it_stops_closes_without_an_unrecoverable_error(
        tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        connection = Connection(server.url, transport=Transport)
        channel = connection.default_channel
        queue = Queue("broker-restart")
        Producer(channel).publish({"n": 1}, routing_key=queue.name, declare=[queue],
                                  serializer="json")
        held = []
        Consumer(channel, [queue], callbacks=[lambda _body, message: held.append(message)],
                 accept=["json"]).consume()
        # as the worker's remote-control channel: a broadcast queue, deleted on close
        control = Queue("broker-restart-control", Exchange("broker-restart-control", "fanout"),
                        auto_delete=True)
        Consumer(connection.channel(), [control], accept=["json"]).consume()
        for _ in range(50):  # the task in hand, not yet acknowledged, and a BRPOP in flight
            with contextlib.suppress(socket.timeout):
                connection.drain_events(timeout=0.1)
            if held and channel._in_poll:
                break
        assert len(held) == 1 and channel._in_poll

        server.stop()
        try:  # Celery's consumer on a lost connection: collect, then close
            connection.collect(socket_timeout=1)
        except Exception:  # noqa: BLE001, S110 - Celery ignores these too
            pass
        try:
            connection.close()
        except connection.connection_errors:
            pass  # Celery ignores connection errors here; anything else stops the worker
        assert channel.closed
    finally:
        server.stop()
