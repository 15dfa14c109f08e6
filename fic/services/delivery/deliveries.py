"""The delivery log admins read: every message, its state and each attempt, no contents."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.errors import InvalidRequest
from fic.storage.db import Database
from fic.storage.models_delivery import Delivery, DeliveryAttempt

STATUSES = ("pending", "sending", "sent", "failed", "dead")


def log(db: Database, clinic_id: uuid.UUID, status: str | None = None,
        limit: int = 200) -> list[dict[str, object]]:
    with db.session() as session:
        return _log(session, clinic_id, status, limit)


def _log(session: Session, clinic_id: uuid.UUID, status: str | None,
         limit: int) -> list[dict[str, object]]:
    if status is not None and status not in STATUSES:
        raise InvalidRequest.about("status", f"one of {', '.join(STATUSES)}")
    query = select(Delivery).where(Delivery.clinic_id == clinic_id)
    if status is not None:
        query = query.where(Delivery.status == status)
    rows = session.scalars(query.order_by(Delivery.created_at.desc()).limit(limit)).all()
    attempts: dict[uuid.UUID, list[DeliveryAttempt]] = {}
    if rows:
        for attempt in session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_([r.id for r in rows]))
            .order_by(DeliveryAttempt.number)
        ):
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return [
        {
            "id": str(row.id),
            "kind": row.kind,
            "channel": row.channel,
            "subject_id": str(row.subject_id),
            "status": row.status,
            "attempts": [
                {
                    "number": a.number,
                    "started_at": a.started_at.isoformat(),
                    "ok": a.ok,
                    "status_code": a.status_code,
                    "error": a.error,
                }
                for a in attempts.get(row.id, [])
            ],
            "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "last_error": row.last_error,
        }
        for row in rows
    ]
