"""Escalate alerts nobody has acknowledged: to the supervisor, then to the on-call address.

Run by beat with the current time (tests pass their own clock). An alert still open
`escalate_after(level)` after it was raised reaches stage 1 (supervisor); after twice that,
stage 2 (the clinic's on-call address). Advancing a stage is one compare-and-set UPDATE,
committed with the outbox row of its notification, so two beats never escalate twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fic import jobs
from fic.services.clinic.delivery_settings import delivery_policy
from fic.services.core import outbox
from fic.storage.db import Database
from fic.storage.models import Alert, Client
from fic.storage.models_delivery import AlertEscalation

ESCALATED_LEVELS = ("rupture", "escalation", "urgent")
LAST_STAGE = 2
NOTIFY_ESCALATION = jobs.NOTIFY_ESCALATION


def escalate_due(db: Database, now: datetime, limit: int = 500) -> list[uuid.UUID]:
    """Advance every overdue open alert by one stage; returns the outbox ids to publish."""
    with db.session() as session:
        rows = session.execute(
            select(Alert.id, Alert.level, Alert.created_at, Client.clinic_id)
            .join(Client, Client.id == Alert.client_id)
            .outerjoin(AlertEscalation, AlertEscalation.alert_id == Alert.id)
            .where(
                Alert.acknowledged_at.is_(None),
                Alert.level.in_(ESCALATED_LEVELS),
                (AlertEscalation.stage.is_(None)) | (AlertEscalation.stage < LAST_STAGE),
            )
            .order_by(Alert.created_at)
            .limit(limit)
        ).all()
        policies = {c: delivery_policy(session, c) for c in {row.clinic_id for row in rows}}
    queued = []
    for row in rows:
        after = policies[row.clinic_id].escalate_after(row.level)
        stage = min(LAST_STAGE, int((now - row.created_at) / after))
        if stage >= 1:
            job = _advance(db, row.id, stage, now)
            if job is not None:
                queued.append(job)
    return queued


def _advance(db: Database, alert_id: uuid.UUID, stage: int, now: datetime) -> uuid.UUID | None:
    with db.session() as session:
        if session.get(AlertEscalation, alert_id) is None:
            try:
                with session.begin_nested():
                    session.add(AlertEscalation(alert_id=alert_id, stage=0))
            except IntegrityError:
                pass
        moved = session.execute(  # type: ignore[attr-defined]  # update() gives a CursorResult; execute() is typed Result
            update(AlertEscalation)
            .where(AlertEscalation.alert_id == alert_id, AlertEscalation.stage < stage)
            .values(stage=stage, escalated_at=now)
        ).rowcount
        if not moved:
            return None
        # Acknowledged in the meantime: the stage is recorded, nobody is disturbed.
        acknowledged = session.scalar(select(Alert.acknowledged_at).where(Alert.id == alert_id))
        if acknowledged is not None:
            return None
        return outbox.add(session, NOTIFY_ESCALATION, alert_id)
