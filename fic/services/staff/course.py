"""The client course page, as plain values: every session, its answers, comment and alerts.

Comments are decrypted here, and the page writes a `comment_decrypted` audit row for each
one it shows.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.crypto import KeyRing
from fic.errors import DecryptionFailed
from fic.instruments import load
from fic.services.core import vault
from fic.services.staff.caseload import awaiting
from fic.services.staff.inbox import alert_summary
from fic.services.staff.labels import EPISODE_TEXT, RULE_SHORT
from fic.storage import repository
from fic.storage.models import Alert, Client, Episode, Response


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



def course(
    session: Session, keys: KeyRing, client: Client, now: datetime
) -> tuple[list[SessionRow], list[uuid.UUID]]:
    """Every session with its answers and decrypted comment; also the ids of comments shown."""
    data = repository.course(session, client.id)
    waiting = awaiting(session, [client.id], now)
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
