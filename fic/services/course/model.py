"""One client's course as plain values: every session, its answers, comment and alerts, and
the rupture episodes as the worker stored them.

The staff course page and the reports are both drawn from this one model, so they show the
same sessions, the same episodes (never recomputed with today's policy) and the same
comments. A course can be cut at `until`: a report for a past period shows what was known
at its end (alerts raised later are left out; an episode closed later is still open).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from babel.numbers import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from fic import i18n
from fic.crypto import KeyRing
from fic.domain.answers import N_, clean_text
from fic.errors import DecryptionFailed
from fic.instruments import load
from fic.services.alerts.labels import EPISODE_TEXT, RULE_SHORT
from fic.services.alerts.summaries import alert_summary
from fic.services.core import vault
from fic.services.forms import goals
from fic.services.forms.goals import goal_lines
from fic.storage import repository
from fic.storage.models import Alert, Client, Episode, Response, Staff

ERASED = N_("(this comment can no longer be read: the client's data was erased)")


@dataclass
class Item:
    label: str
    value: str


@dataclass
class Measure:
    name: str
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
    tension: str | None = None

    def total(self, instrument: str) -> float | None:
        return next((m.total for m in self.measures if m.name == instrument), None)


@dataclass
class CourseModel:
    client_id: uuid.UUID
    client_ref: str
    clinician: str
    rows: list[SessionRow]
    episodes: list[dict[str, object]]
    decrypted: list[uuid.UUID]  # the responses whose comment this model holds in clear
    # goals set together: name, wording, live, points [(session, rating)], latest, moved
    goals: list[dict[str, object]] = field(default_factory=list)

    def measure(self, instrument: str) -> Measure | None:
        """The first measure of `instrument` in the course: its scale, cutoff and title."""
        return next((m for r in self.rows for m in r.measures if m.name == instrument), None)


def client_course(
    session: Session, keys: KeyRing, client: Client, until: datetime | None = None,
    awaiting: set[uuid.UUID] | None = None,
) -> CourseModel:
    """The course up to `until` (the whole course when None)."""
    sessions = [(s, r) for s, r in repository.course(session, client.id).sessions
                if until is None or s.held_at < until]
    alerts: dict[uuid.UUID, list[dict[str, object]]] = defaultdict(list)
    query = select(Alert).where(Alert.client_id == client.id).order_by(Alert.created_at)
    if until is not None:
        query = query.where(Alert.created_at < until)
    for alert in session.scalars(query):
        alerts[alert.response_id].append(alert_summary(session, alert))
    rows, decrypted = [], []
    answered: list[tuple[int, datetime, dict[str, int]]] = []
    for number, (therapy, response) in enumerate(sessions, 1):
        row = SessionRow(number, therapy.id, therapy.held_at, response is not None,
                         therapy.id in (awaiting or set()))
        if response is not None:
            row.response_id = response.id
            answered.append((number, response.submitted_at, dict(response.values)))
            row.measures = _measures(response)
            row.tension = _tension(response)
            row.alerts = alerts.get(response.id, [])
            if response.comment_ct is not None:
                row.comment = comment_text(keys, client, response)
                decrypted.append(response.id)
        rows.append(row)
    clinician = session.get(Staff, client.clinician_id)
    return CourseModel(client.id, client.client_ref, clinician.email if clinician else "–", rows,
                       stored_episodes(session, client.id, rows, until), decrypted,
                       goal_lines(goals.goals_of(session, keys, client), answered))


def comment_text(keys: KeyRing, client: Client, response: Response) -> str:
    """The client's comment as every page and report shows it (markup is only ever text)."""
    try:
        text = vault.unseal(keys, client, response.comment_ct or b"",
                            repository.comment_binding(response.id))
    except DecryptionFailed:
        return _(ERASED)
    return clean_text(text)


def stored_episodes(
    session: Session, client_id: uuid.UUID, rows: list[SessionRow], until: datetime | None
) -> list[dict[str, object]]:
    """The episodes the worker stored, as they stood at `until` (numbers are session numbers)."""
    numbers = {row.id: row.number for row in rows}
    episodes = []
    for e in session.scalars(
        select(Episode).where(Episode.client_id == client_id).order_by(Episode.number)
    ):
        opened = numbers.get(e.opened_session_id)
        if opened is None:
            continue  # opened after `until`
        closed = numbers.get(e.closed_session_id) if e.closed_session_id else None
        escalated = numbers.get(e.escalated_session_id) if e.escalated_session_id else None
        state = e.state
        if until is not None and state in ("repaired", "closed") and closed is None:
            state = "escalated" if escalated else "open"
        elif until is not None and state == "escalated" and e.escalated_session_id \
                and escalated is None:
            state = "open"
        episodes.append({
            "number": e.number,
            "state": state,
            "opened": opened,
            "closed": None if state == "open" else closed,
            "state_text": _(EPISODE_TEXT.get(state, state)),
            "rules": "; ".join(_(RULE_SHORT.get(r, r)) for r in (e.rules or [])),
            "rule_ids": list(e.rules or []),
            "reason": e.reason,  # why it opened, in words and numbers
        })
    return episodes


def _measures(response: Response) -> list[Measure]:
    values = response.values
    language = i18n.current()  # the page's (or the report's) language
    measures = []
    for name in response.instruments:
        instrument = load(name)
        items = []
        for item in instrument.items:
            if item.kind == "text" or item.id not in values:
                continue
            raw = values[item.id]
            if name == "goals":  # the wording is the client's own: shown with the goal lines
                items.append(Item(_("Goal %(n)s", n=item.id.removeprefix("goal_")),
                                  format_decimal(instrument.points(item.id, raw), "0.0",
                                                 locale=language)))
                continue
            if item.kind == "vas":
                shown = format_decimal(instrument.points(item.id, raw), "0.0", locale=language)
            else:
                labels = item.choice_labels.get(language) or item.choices
                shown = labels[raw] if 0 <= raw < len(labels) else str(raw)
            items.append(Item(item.label(language), shown))
        title = instrument.title.get(language) or instrument.title.get("en", name)
        measures.append(Measure(name, title,
                                instrument.total_of(values), instrument.total_max,
                                instrument.cutoff, items))
    return measures


def _tension(response: Response) -> str | None:
    """The tension answer by its choice name, if the form asked it."""
    for name in response.instruments:
        item = load(name).find_item("tension")
        index = response.values.get("tension")
        if item is not None and index is not None and 0 <= index < len(item.choices):
            return item.choices[index]
    return None
