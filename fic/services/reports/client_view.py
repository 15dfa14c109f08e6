"""One client's course as a report shows it: charts, episodes, acknowledgements, outcome.

Drawn from the same course model as the staff course page (fic.services.course): the stored
episodes, the same charts scaled by the instrument, the same comments. Everything returned
is a primitive; templates never see ORM objects. The course is cut at `until`, so a report
for a past period shows what was known then.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext
from sqlalchemy.orm import Session

from fic import i18n
from fic.crypto import KeyRing
from fic.domain.outcomes import course_progress
from fic.domain.signals import PUSHED
from fic.instruments import ALLIANCE, WELLBEING, load
from fic.services.alerts.labels import LEVEL_TEXT
from fic.services.clinic.policies import policy_for
from fic.services.course import charts
from fic.services.course.model import CourseModel, client_course
from fic.settings import Settings
from fic.storage.models import Client

COMMENT_CAP = 1000
# Alerts that make a client one to look at even without an open rupture episode.
ATTENTION_LEVELS = ("urgent", "low_alliance")


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
    open_alerts: set[str] = field(default_factory=set)  # unacknowledged at the period's end
    episodes: list[dict[str, object]] = field(default_factory=list)
    comments: list[dict[str, str]] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    alliance_chart: str = ""
    wellbeing_chart: str = ""
    goals: list[dict[str, object]] = field(default_factory=list)
    goals_chart: str = ""
    ack_seconds: list[int] = field(default_factory=list)

    @property
    def active_state(self) -> str | None:
        states = [e["state"] for e in self.episodes if e["state"] in ("open", "escalated")]
        return "escalated" if "escalated" in states else (states[0] if states else None)

    @property
    def reasons(self) -> list[str]:
        reasons = [f"reason_{level}" for level in ATTENTION_LEVELS if level in self.open_alerts]
        reasons += [f"reason_{self.active_state}"] if self.active_state else []
        return reasons + (["reason_not_on_track"] if self.not_on_track else [])

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons)

    def primitives(self) -> dict[str, object]:
        return {
            "client_ref": self.client_ref, "clinician": self.clinician,
            "sessions_in_period": self.sessions_in_period, "latest_alliance": self.latest_alliance,
            "outcome": self.outcome, "reasons": self.reasons, "episodes": self.episodes,
            "comments": self.comments, "rows": self.rows, "alliance_chart": self.alliance_chart,
            "wellbeing_chart": self.wellbeing_chart, "goals": self.goals,
            "goals_chart": self.goals_chart,
        }  # fmt: skip

    @property
    def goals_moving(self) -> bool:
        """At least one goal rated twice or more whose latest rating is higher than its first."""
        return any(float(str(g["moved"])) > 0 for g in self.goals)


def client_view(
    session: Session, keys: KeyRing, settings: Settings, client: Client, start: datetime,
    until: datetime, timezone: str,
) -> ClientView:
    """The client's course up to `until`, with the period [start, until) singled out."""
    course = client_course(session, keys, client, until=until)
    view = ClientView(course.client_ref, course.clinician)
    zone = ZoneInfo(timezone)
    dates = {}
    for row in course.rows:
        dates[row.number] = format_date(row.held_at.astimezone(zone).date(), "medium",
                                        locale=i18n.current())
        levels = sorted({str(a["level"]) for a in row.alerts if a["level"] in PUSHED})
        view.open_alerts |= {str(a["level"]) for a in row.alerts
                             if not _acknowledged_by(a["acknowledged_at"], until)}
        view.rows.append({
            "date": dates[row.number],
            "alliance": _points(row.total(ALLIANCE)) if row.answered else "",
            "wellbeing": _points(row.total(WELLBEING)) if row.answered else "",
            "tension": _tension_words(row.tension),
            "alerts": ", ".join(gettext(LEVEL_TEXT.get(v, v)) for v in levels),
            "missed": "" if row.answered else "missed",
        })  # fmt: skip
        if row.held_at < start:
            continue
        view.sessions_in_period += 1
        if not row.answered:
            continue
        view.answered_in_period += 1
        total = row.total(ALLIANCE)
        if total is not None:
            view.totals_in_period.append(total)
        if levels and row.comment is not None:
            view.comments.append({"date": dates[row.number], "text": _capped(row.comment)})
    _outcome(view, course, settings, client)
    in_period = {row.number for row in course.rows if row.held_at >= start}
    view.episodes = _episodes(course, dates, in_period, view)
    view.alliance_chart = charts.alliance_chart(course, empty=True) or ""
    view.wellbeing_chart = charts.wellbeing_chart(course) or ""
    view.goals = [{**g, "name": str(g["slot"]), "ratings": " → ".join(
        _points(v) for _, v in g["points"] if v is not None) or "–"}  # type: ignore[attr-defined]
        for g in course.goals]
    view.goals_chart = charts.goals_chart(course) or ""
    return view


def _acknowledged_by(at: object, until: datetime) -> bool:
    return isinstance(at, datetime) and at < until


def mean(values: Sequence[float]) -> str:
    return _points(statistics.fmean(values)) if values else "–"


def _outcome(view: ClientView, course: CourseModel, settings: Settings, client: Client) -> None:
    valid = [r for r in view.rows if r["alliance"]]
    view.latest_alliance = valid[-1]["alliance"] if valid else "–"
    policy = policy_for(settings, client.clinic_id)
    progress = course_progress([(r.number, r.total("wellbeing")) for r in course.rows],
                               load(WELLBEING), policy.progress_session, policy.trajectory)
    if progress:
        view.outcome, view.not_on_track = progress[-1].category, progress[-1].not_on_track


def _episodes(
    course: CourseModel, dates: dict[int, str], in_period: set[int], view: ClientView
) -> list[dict[str, object]]:
    """The stored episodes as they stood at the end of the period, each with its first
    acknowledgement."""
    acks: dict[int, dict[str, object]] = {}
    alerts = sorted((a for r in course.rows for a in r.alerts if a["acknowledged_action"]),
                    key=lambda a: cast(datetime, a["acknowledged_at"]))
    for alert in alerts:
        if alert["episode"] is not None:
            acks.setdefault(int(str(alert["episode"])), {
                "action": alert["acknowledged_action"], "by": alert["by"],
                "seconds": alert["acknowledged_seconds"],
                "after": duration(cast("int | None", alert["acknowledged_seconds"])),
            })
    episodes = []
    for episode in course.episodes:
        number = int(str(episode["number"]))
        ack = acks.get(number)
        if ack is not None:
            view.ack_seconds.append(int(str(ack["seconds"])))
        opened = int(str(episode["opened"]))
        episodes.append({
            "number": number, "state": episode["state"],
            "rules": ", ".join(cast("list[str]", episode["rule_ids"])),
            "opened": dates[opened],
            "closed": dates.get(int(str(episode["closed"] or 0)), ""),
            "in_period": opened in in_period or episode["state"] in ("open", "escalated"),
            "ack": ack, "reason": episode.get("reason") or "",
        })  # fmt: skip
    return episodes


def _tension_words(choice: str | None) -> str:
    """The client's tension answer as the form showed it, in the report's language."""
    item = load(ALLIANCE).find_item("tension")
    if not choice or item is None or choice not in item.choices:
        return choice or ""
    return item.choice_label(item.choices.index(choice), i18n.current())


def _capped(text: str) -> str:
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
    return "–" if value is None else format_decimal(value, "0.0", locale=i18n.current())
