"""The one clock. Every "now" in fic (the web, the worker, beat's jobs, the CLI) comes from here.

It is the standard library's `datetime.now(UTC)`, so tests move it with time-machine
(`time_machine.travel(...)`), which also moves Celery beat's idea of the time. Nothing in
fic reads the wall clock another way; functions that decide on time take `now` as an
argument and their callers pass `clock.now()`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def timestamp() -> int:
    """The current Unix time in whole seconds (for signatures that carry one)."""
    return int(now().timestamp())
