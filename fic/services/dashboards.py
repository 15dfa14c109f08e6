"""What the staff pages show, as plain values: caseload, client course, alert inbox, team.

Every query starts from the access policy's scope, so a page can only ever list what its
viewer may see. Comments and notes are decrypted here, and only for the course and alert
pages, which write a `comment_decrypted` audit row per comment they show.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fic.crypto import KeyRing
from fic.errors import DecryptionFailed
from fic.instruments import load
from fic.services import acknowledgements, vault
from fic.services.access import Actor, clients_in_scope
from fic.storage import repository
from fic.storage.models import (
    Alert,
    Client,
    Episode,
    FeedbackLink,
    Response,
    Staff,
    TherapySession,
)
from fic.storage.models_delivery import Acknowledgement

LEVEL_TEXT = {
    "watch": "Watch",
    "low_alliance": "Low alliance",
    "rupture": "Possible rupture",
    "escalation": "Escalated rupture",
    "urgent": "Urgent: safety",
}
RULE_TEXT = {
    "R1": "alliance below the cutoff for several sessions",
    "R2": "a reliable drop since the last session",
    "R3": "well below this client's own usual level",
    "R4": "a slow, steady decline over several sessions",
    "R5": "the client reported tension that was not talked through",
    "R6": "repair",
    "R7": "not repaired in time, or the client is not improving",
    "S1": "the client's comment contains words about risk or safety",
}
RULE_SHORT = {
    "R1": "below the cutoff", "R2": "reliable drop", "R3": "below the client's usual level",
    "R4": "slow decline", "R5": "client reported tension", "R6": "repair",
    "R7": "not repaired in time", "S1": "safety words in a comment",
}
EPISODE_TEXT = {
    "open": "open: not repaired yet",
    "repaired": "repaired: the alliance came back",
    "escalated": "escalated to the supervisor: not repaired in time",
    "closed": "closed",
}
ACTION_TEXT = {
    "talked_in_session": "Talked it through in session",
    "adjusted_approach": "Adjusted my approach",
    "changed_goals": "Changed the goals together",
    "consulted_supervisor": "Consulted my supervisor",
    "referred": "Referred the client",
    "other": "Something else (see note)",
}


@dataclass
class Item:
    label: str
    value: str


@dataclass
class Measure:
    title: str
    total: float | None
    total_max: float
    cutoff: float | None
    items: list[Item]


@dataclass
class SessionRow:
    number: int
    id: uuid.UUID
    held_at: datetime
    answered: bool
    awaiting: bool
    response_id: uuid.UUID | None = None
    measures: list[Measure] = field(default_factory=list)
    comment: str | None = None
    alerts: list[dict[str, object]] = field(default_factory=list)


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
    waiting = _awaiting(session, ids, now)
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


def _awaiting(session: Session, client_ids: Sequence[uuid.UUID], now: datetime) -> set[uuid.UUID]:
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


def course(
    session: Session, keys: KeyRing, client: Client, now: datetime
) -> tuple[list[SessionRow], list[uuid.UUID]]:
    """Every session with its answers and decrypted comment; also the ids of comments shown."""
    data = repository.course(session, client.id)
    waiting = _awaiting(session, [client.id], now)
    alerts_by_response: dict[uuid.UUID, list[dict[str, object]]] = defaultdict(list)
    for alert in session.scalars(
        select(Alert).where(Alert.client_id == client.id).order_by(Alert.created_at)
    ):
        alerts_by_response[alert.response_id].append(alert_summary(session, alert))
    rows, decrypted = [], []
    for number, (therapy, response) in enumerate(data.sessions, 1):
        row = SessionRow(number, therapy.id, therapy.held_at, response is not None,
                         therapy.id in waiting)
        if response is not None:
            row.response_id = response.id
            row.measures = _measures(response)
            row.alerts = alerts_by_response.get(response.id, [])
            if response.comment_ct is not None:
                row.comment = _comment(keys, client, response)
                decrypted.append(response.id)
        rows.append(row)
    return rows, decrypted


def _measures(response: Response) -> list[Measure]:
    values = response.values
    measures = []
    for name in response.instruments:
        instrument = load(name)
        items = []
        for item in instrument.items:
            if item.kind == "text" or item.id not in values:
                continue
            raw = values[item.id]
            if item.kind == "vas":
                shown = f"{instrument.points(item.id, raw):.1f}"
            else:
                labels = item.choice_labels.get("en") or item.choices
                shown = labels[raw] if 0 <= raw < len(labels) else str(raw)
            items.append(Item(item.label("en"), shown))
        measures.append(Measure(instrument.title.get("en", name), instrument.total_of(values),
                                instrument.total_max, instrument.cutoff, items))
    return measures


def _comment(keys: KeyRing, client: Client, response: Response) -> str:
    assert response.comment_ct is not None  # noqa: S101 - checked by the caller
    try:
        return vault.unseal(keys, client, response.comment_ct,
                            repository.comment_binding(response.id))
    except DecryptionFailed:
        return "(this comment can no longer be read: the client's data was erased)"


def episodes(session: Session, client_id: uuid.UUID) -> list[dict[str, object]]:
    numbers = {}
    data = repository.course(session, client_id)
    for number, (therapy, _) in enumerate(data.sessions, 1):
        numbers[therapy.id] = number
    return [
        {
            "number": e.number,
            "state": e.state,
            "opened": numbers.get(e.opened_session_id),
            "closed": numbers.get(e.closed_session_id) if e.closed_session_id else None,
            "state_text": EPISODE_TEXT.get(e.state, e.state),
            "rules": "; ".join(RULE_SHORT.get(r, r) for r in (e.rules or [])),
        }
        for e in session.scalars(
            select(Episode).where(Episode.client_id == client_id).order_by(Episode.number)
        )
    ]


def alert_summary(session: Session, alert: Alert) -> dict[str, object]:
    ack = acknowledgements.acknowledgement_of(session, alert.id)
    by = session.get(Staff, ack.staff_id) if ack else None
    return {
        "id": alert.id,
        "level": alert.level,
        "level_text": LEVEL_TEXT.get(alert.level, alert.level),
        "rule_text": RULE_TEXT.get(alert.rule, alert.rule),
        "created_at": alert.created_at,
        "acknowledged_at": alert.acknowledged_at,
        "action_text": ACTION_TEXT.get(ack.action, ack.action) if ack else None,
        "by": by.email if by else None,
    }


def inbox(session: Session, actor: Actor, done: bool) -> list[dict[str, object]]:
    """Open alerts (most urgent first) or the acknowledged ones (newest first)."""
    scope = clients_in_scope(actor).with_only_columns(Client.id)
    query = select(Alert, Client.client_ref, TherapySession.held_at).join(
        Client, Client.id == Alert.client_id).join(
        Response, Response.id == Alert.response_id).join(
        TherapySession, TherapySession.id == Response.session_id).where(
        Alert.client_id.in_(scope), Alert.level != "watch"
    )
    if done:
        query = query.where(Alert.acknowledged_at.is_not(None)).order_by(
            Alert.acknowledged_at.desc()).limit(100)
    else:
        query = query.where(Alert.acknowledged_at.is_(None)).order_by(Alert.created_at)
    order = {"urgent": 0, "escalation": 1, "rupture": 2, "low_alliance": 3}
    rows = []
    for alert, ref, held_at in session.execute(query):
        summary = alert_summary(session, alert)
        summary["client_ref"] = ref
        summary["held_at"] = held_at
        summary["client_id"] = alert.client_id
        rows.append(summary)
    if not done:
        rows.sort(key=lambda r: order.get(str(r["level"]), 9))
    return rows


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
