"""The caseload and team pages, as plain values.

Every query starts from the access policy's scope, so a page can only ever list what its
viewer may see.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fic.instruments import load
from fic.services.core.access import Actor, clients_in_scope
from fic.storage import repository
from fic.storage.models import Alert, Client, FeedbackLink, Response, Staff, TherapySession
from fic.storage.models_delivery import Acknowledgement


@dataclass
class CaseloadRow:
    client_id: uuid.UUID
    client_ref: str
    clinician: str
    sessions: int
    last_held: datetime | None
    latest: float | None
    change: float | None
    open_alerts: int
    awaiting: int


def alliance_total(response: Response | None) -> float | None:
    if response is None:
        return None
    instrument = load(response.instruments[0])
    return instrument.total_of(response.values)


def caseload(session: Session, actor: Actor, now: datetime) -> list[CaseloadRow]:
    clients = session.scalars(clients_in_scope(actor).order_by(Client.client_ref)).all()
    ids = [c.id for c in clients]
    if not ids:
        return []
    emails = dict(session.execute(select(Staff.id, Staff.email)).all())
    history: dict[uuid.UUID, list[tuple[TherapySession, Response | None]]] = defaultdict(list)
    for therapy, response in session.execute(
        select(TherapySession, Response)
        .outerjoin(Response, Response.session_id == TherapySession.id)
        .options(selectinload(Response.answers))
        .where(TherapySession.client_id.in_(ids))
        .order_by(TherapySession.held_at, TherapySession.created_at)
    ):
        history[therapy.client_id].append((therapy, response))
    open_alerts: dict[uuid.UUID, int] = defaultdict(int)
    for client_id in session.scalars(
        select(Alert.client_id).where(Alert.client_id.in_(ids), Alert.acknowledged_at.is_(None),
                                      Alert.level != "watch")
    ):
        open_alerts[client_id] += 1
    waiting = awaiting(session, ids, now)
    rows = []
    for client in clients:
        course = history.get(client.id, [])
        totals = [t for t in (alliance_total(r) for _, r in course) if t is not None]
        rows.append(
            CaseloadRow(
                client_id=client.id,
                client_ref=client.client_ref,
                clinician=emails.get(client.clinician_id, ""),
                sessions=len(course),
                last_held=course[-1][0].held_at if course else None,
                latest=totals[-1] if totals else None,
                change=round(totals[-1] - totals[-2], 1) if len(totals) > 1 else None,
                open_alerts=open_alerts[client.id],
                awaiting=sum(1 for s, _ in course if s.id in waiting),
            )
        )
    rows.sort(key=lambda r: (-r.open_alerts, r.client_ref))
    return rows


def awaiting(session: Session, client_ids: Sequence[uuid.UUID], now: datetime) -> set[uuid.UUID]:
    """Sessions whose form is out (a live link) and not answered yet."""
    return set(
        session.scalars(
            select(TherapySession.id)
            .join(FeedbackLink, FeedbackLink.session_id == TherapySession.id)
            .outerjoin(Response, Response.session_id == TherapySession.id)
            .where(
                TherapySession.client_id.in_(client_ids),
                Response.id.is_(None),
                FeedbackLink.used_at.is_(None),
                FeedbackLink.expires_at > now,
            )
        )
    )



def team(session: Session, actor: Actor, now: datetime) -> list[dict[str, object]]:
    """Per supervisee: caseload, completion over 28 days, open and escalated, time to ack."""
    since = now - timedelta(days=28)
    rows = []
    for clinician in repository.supervisees(session, actor.staff_id):
        client_ids = session.scalars(
            select(Client.id).where(Client.clinician_id == clinician.id)).all()
        held = session.execute(
            select(TherapySession.id, Response.id)
            .outerjoin(Response, Response.session_id == TherapySession.id)
            .where(TherapySession.clinician_id == clinician.id, TherapySession.held_at >= since,
                   TherapySession.held_at <= now)
        ).all()
        alerts = session.scalars(
            select(Alert).where(Alert.client_id.in_(client_ids), Alert.level != "watch")).all()
        waits = session.scalars(
            select(Acknowledgement.seconds_to_ack).where(
                Acknowledgement.alert_id.in_([a.id for a in alerts]))).all()
        answered = sum(1 for _, r in held if r is not None)
        rows.append({
            "email": clinician.email,
            "clients": len(client_ids),
            "sessions": len(held),
            "completion": round(100 * answered / len(held)) if held else None,
            "open": sum(1 for a in alerts if a.acknowledged_at is None),
            "escalated": sum(1 for a in alerts if a.acknowledged_at is None
                             and a.level in ("escalation", "urgent")),
            "median_ack_hours": round(statistics.median(waits) / 3600, 1) if waits else None,
        })
    return rows
