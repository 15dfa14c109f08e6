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
"""

from __future__ import annotations

from queue import Empty

from kombu.transport import redis


class Channel(redis.Channel):
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
