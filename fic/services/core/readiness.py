"""Readiness for orchestrators: the database answers, the broker answers, the outbox moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy import func, select, text

from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Outbox


@dataclass(frozen=True)
class Readiness:
    database: bool
    broker: bool | None  # None: embedded, there is no broker
    outbox_age_seconds: float | None
    outbox_max_age: float

    @property
    def ready(self) -> bool:
        age = self.outbox_age_seconds
        outbox_ok = age is None or age <= self.outbox_max_age
        return self.database and self.broker is not False and outbox_ok

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ready else "not_ready",
            "database": "ok" if self.database else "unreachable",
            "broker": {None: "embedded", True: "ok", False: "unreachable"}[self.broker],
            "outbox_oldest_seconds": self.outbox_age_seconds,
        }


def check(db: Database, settings: Settings, now: datetime, outbox_max_age: float) -> Readiness:
    database, age = True, None
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            oldest = connection.scalar(
                select(func.min(Outbox.created_at)).where(Outbox.published_at.is_(None))
            )
        if oldest is not None:
            oldest = Outbox.created_at.type.process_result_value(oldest, None)
            age = max(0.0, (now - oldest).total_seconds())
    except Exception:  # noqa: BLE001 - any failure means "not ready", nothing more
        database = False
    return Readiness(database, _broker_ok(settings), age, outbox_max_age)


def _broker_ok(settings: Settings) -> bool | None:
    if not settings.redis_url:
        return None
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()
