"""One client's course as a report shows it: charts, episodes, acknowledgements, outcome.

Everything returned is a primitive (str, int, float, lists and dicts of them): templates
never see ORM objects. The course is judged as of `until`, so a report for a past period
shows what was known then.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.crypto import KeyRing
from fic.domain.answers import clean_text
from fic.domain.ruptures import PUSHED, Course, assess_course
from fic.errors import DecryptionFailed
from fic.instruments import load
from fic.reports import charts
from fic.services.alerts.evaluation import ALLIANCE, WELLBEING, visits_of
from fic.services.clinic.policies import policy_for
from fic.services.core import vault
from fic.settings import Settings
from fic.storage import repository
from fic.storage.models import Alert, Client, Response, Staff
from fic.storage.models_delivery import Acknowledgement

COMMENT_CAP = 1000


@dataclass
class ClientView:
    client_ref: str
    clinician: str
    sessions_in_period: int = 0
    answered_in_period: int = 0
    totals_in_period: list[float] = field(default_factory=list)
    latest_alliance: str = "–"
    outcome: str = "no_outcome"
    not_on_track: bool = False
    episodes: list[dict[str, object]] = field(default_factory=list)
    comments: list[dict[str, str]] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    alliance_chart: str = ""
    wellbeing_chart: str = ""
    ack_seconds: list[int] = field(default_factory=list)

    @property
    def active_state(self) -> str | None:
        states = [e["state"] for e in self.episodes if e["state"] in ("open", "escalated")]
        return "escalated" if "escalated" in states else (states[0] if states else None)

    @property
    def needs_attention(self) -> bool:
        return self.active_state is not None or self.not_on_track

    @property
    def reasons(self) -> list[str]:
        reasons = [f"reason_{self.active_state}"] if self.active_state else []
        return reasons + (["reason_not_on_track"] if self.not_on_track else [])

    def primitives(self) -> dict[str, object]:
        return {
            "client_ref": self.client_ref, "clinician": self.clinician,
            "sessions_in_period": self.sessions_in_period, "latest_alliance": self.latest_alliance,
            "outcome": self.outcome, "reasons": self.reasons, "episodes": self.episodes,
            "comments": self.comments, "rows": self.rows, "alliance_chart": self.alliance_chart,
            "wellbeing_chart": self.wellbeing_chart,
        }  # fmt: skip


def client_view(
    session: Session,
    keys: KeyRing,
    settings: Settings,
    client: Client,
    start: datetime,
    until: datetime,
    timezone: str,
) -> ClientView:
    """The client's course up to `until`, with the period [start, until) singled out."""
    zone = ZoneInfo(timezone)
    alliance, wellbeing = load(ALLIANCE), load(WELLBEING)
    sessions = [
        (s, r) for s, r in repository.course(session, client.id).sessions if s.held_at < until
    ]
    visits = visits_of(sessions, alliance, wellbeing)
    course = assess_course(visits, alliance, policy_for(settings, client.clinic_id), wellbeing)
    clinician = session.get(Staff, client.clinician_id)
    view = ClientView(client.client_ref, clinician.email if clinician else "–")
    alerts = _alerts_by_response(session, client.id, until)
    for (therapy, response), visit in zip(sessions, visits, strict=True):
        in_period = therapy.held_at >= start
        levels = sorted(alerts.get(response.id, set())) if response else []
        view.rows.append({
            "date": therapy.held_at.astimezone(zone).date().isoformat(),
            "alliance": _points(visit.total) if response else "",
            "wellbeing": _points(visit.wellbeing) if response else "",
            "tension": visit.tension or "", "alerts": ", ".join(levels),
            "missed": "" if response else "missed",
        })  # fmt: skip
        if not in_period:
            continue
        view.sessions_in_period += 1
        if response is None:
            continue
        view.answered_in_period += 1
        if visit.total is not None:
            view.totals_in_period.append(visit.total)
        if levels and response.comment_ct is not None:
            view.comments.append(
                {"date": view.rows[-1]["date"], "text": _comment(keys, client, response)}
            )
    _outcome(view, course)
    dates = {number: row["date"] for number, row in enumerate(view.rows, 1)}
    in_period = {n for n, (s, _) in enumerate(sessions, 1) if s.held_at >= start}
    view.episodes = _episodes(course, dates, in_period, _acknowledgements(session, client.id), view)
    points = [(v.number, v.total) for v in visits]
    view.alliance_chart = charts.data_uri(
        charts.alliance_chart(
            points,
            alliance.cutoff or 0,
            ruptures=[e.opened_at for e in course.episodes],
            repairs=[e.closed_at for e in course.episodes if e.repaired and e.closed_at],
        )
    )
    if any(v.wellbeing is not None for v in visits):
        view.wellbeing_chart = charts.data_uri(
            charts.wellbeing_chart(
                [(v.number, v.wellbeing) for v in visits],
                wellbeing.cutoff or 0,
                wellbeing.reliable_change(),
            )
        )
    return view


def mean(values: Sequence[float]) -> str:
    return _points(statistics.fmean(values)) if values else "–"


def _outcome(view: ClientView, course: Course) -> None:
    valid = [r for r in view.rows if r["alliance"]]
    view.latest_alliance = valid[-1]["alliance"] if valid else "–"
    if course.progress:
        latest = course.progress[-1]
        view.outcome, view.not_on_track = latest.category, latest.not_on_track


def _episodes(
    course: Course,
    dates: Mapping[int, str],
    in_period: set[int],
    acks: Mapping[int, dict[str, object]],
    view: ClientView,
) -> list[dict[str, object]]:
    """The episodes as the rules stood at the end of the period."""
    episodes = []
    for episode in course.episodes:
        ack = acks.get(episode.number)
        if ack is not None:
            view.ack_seconds.append(ack["seconds"])  # type: ignore[arg-type]
        episodes.append({
            "number": episode.number, "state": episode.state, "rules": ", ".join(episode.rules),
            "opened": dates[episode.opened_at],
            "closed": dates.get(episode.closed_at or 0, ""),
            "in_period": episode.opened_at in in_period or episode.is_active,
            "ack": ack,
        })  # fmt: skip
    return episodes


def _acknowledgements(session: Session, client_id: uuid.UUID) -> dict[int, dict[str, object]]:
    """The first acknowledgement of each episode's pushed alerts."""
    found: dict[int, dict[str, object]] = {}
    rows = session.execute(
        select(Alert.episode, Acknowledgement, Staff.email)
        .join(Acknowledgement, Acknowledgement.alert_id == Alert.id)
        .join(Staff, Staff.id == Acknowledgement.staff_id)
        .where(Alert.client_id == client_id, Alert.episode.is_not(None))
        .order_by(Acknowledgement.acknowledged_at)
    ).all()
    for episode, ack, email in rows:
        found.setdefault(
            episode,
            {
                "action": ack.action,
                "by": email,
                "seconds": ack.seconds_to_ack,
                "after": duration(ack.seconds_to_ack),
            },
        )
    return found


def _alerts_by_response(
    session: Session, client_id: uuid.UUID, until: datetime
) -> Mapping[uuid.UUID, set[str]]:
    found: dict[uuid.UUID, set[str]] = {}
    for response_id, level in session.execute(
        select(Alert.response_id, Alert.level).where(
            Alert.client_id == client_id, Alert.created_at < until
        )
    ):
        if level in PUSHED:
            found.setdefault(response_id, set()).add(level)
    return found


def _comment(keys: KeyRing, client: Client, response: Response) -> str:
    try:
        text = vault.unseal(
            keys, client, response.comment_ct or b"", repository.comment_binding(response.id)
        )
    except DecryptionFailed:
        return "[comment unavailable]"
    text = clean_text(text)
    return text if len(text) <= COMMENT_CAP else text[:COMMENT_CAP] + " […]"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def _points(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"
