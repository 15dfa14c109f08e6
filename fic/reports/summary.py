"""The supervision summary's figures, as primitives for the template."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fic.crypto import KeyRing
from fic.domain.answers import clean_text
from fic.domain.ruptures import PUSHED
from fic.errors import DecryptionFailed, InvalidRequest
from fic.instruments import load
from fic.services import vault
from fic.storage import repository
from fic.storage.models import Alert, Client, Clinic, Response, Staff, TherapySession

COMMENT_CAP = 1000


@dataclass(frozen=True)
class SuperviseeFigures:
    clinician: str
    clients_seen: int
    forms_sent: int
    forms_completed: int
    completion: str
    mean_alliance: str
    alerts: int


@dataclass(frozen=True)
class FlaggedSession:
    clinician: str
    client_ref: str
    held_on: str
    levels: str
    total: str
    comment: str | None


def period_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the clinic's time zone."""
    zone = ZoneInfo(timezone)
    return (
        datetime.combine(start, time(), zone),
        datetime.combine(end + timedelta(days=1), time(), zone),
    )


def summary_context(
    session: Session, keys: KeyRing, supervisor: Staff, start: date, end: date
) -> dict[str, object]:
    if supervisor.role != "supervisor":
        raise InvalidRequest("that staff member is not a supervisor")
    if end < start:
        raise InvalidRequest("the period ends before it starts")
    clinic = session.get(Clinic, supervisor.clinic_id)
    assert clinic is not None  # noqa: S101 - foreign key
    lo, hi = period_bounds(start, end, clinic.timezone)
    rows, flagged = [], []
    for clinician in repository.supervisees(session, supervisor.id):
        figures, flags = _clinician(session, keys, clinician, lo, hi)
        rows.append(asdict(figures))
        flagged.extend(asdict(f) for f in flags)
    return {
        "clinic": clinic.name,
        "supervisor": supervisor.email,
        "period_from": start.isoformat(),
        "period_to": end.isoformat(),
        "supervisees": rows,
        "flagged": flagged,
    }


def _clinician(
    session: Session, keys: KeyRing, clinician: Staff, lo: datetime, hi: datetime
) -> tuple[SuperviseeFigures, list[FlaggedSession]]:
    held = session.execute(
        select(TherapySession, Response, Client)
        .join(Client, Client.id == TherapySession.client_id)
        .outerjoin(Response, Response.session_id == TherapySession.id)
        .options(selectinload(Response.answers))
        .where(
            TherapySession.clinician_id == clinician.id,
            TherapySession.held_at >= lo,
            TherapySession.held_at < hi,
        )
        .order_by(TherapySession.held_at)
    ).all()
    totals: list[float] = []
    alerts = _pushed_alerts(session, [r.id for _, r, _ in held if r is not None])
    flags = []
    for therapy, response, client in held:
        if response is None:
            continue
        total = load(response.instruments[0]).total_of(response.values)
        if total is not None:
            totals.append(total)
        levels = alerts.get(response.id)
        if levels:
            flags.append(
                FlaggedSession(
                    clinician=clinician.email,
                    client_ref=client.client_ref,
                    held_on=therapy.held_at.date().isoformat(),
                    levels=", ".join(sorted(levels)),
                    total=_points(total),
                    comment=_comment(keys, client, response),
                )
            )
    completed = sum(1 for _, r, _ in held if r is not None)
    figures = SuperviseeFigures(
        clinician=clinician.email,
        clients_seen=len({c.id for _, _, c in held}),
        forms_sent=len(held),
        forms_completed=completed,
        completion=f"{round(100 * completed / len(held))}%" if held else "–",
        mean_alliance=_points(statistics.fmean(totals)) if totals else "–",
        alerts=sum(len(v) for v in alerts.values()),
    )
    return figures, flags


def _pushed_alerts(
    session: Session, response_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    found: dict[uuid.UUID, set[str]] = {}
    if not response_ids:
        return found
    for response_id, level in session.execute(
        select(Alert.response_id, Alert.level).where(Alert.response_id.in_(response_ids))
    ):
        if level in PUSHED:
            found.setdefault(response_id, set()).add(level)
    return found


def _comment(keys: KeyRing, client: Client, response: Response) -> str | None:
    if response.comment_ct is None:
        return None
    try:
        text = vault.unseal(
            keys, client, response.comment_ct, repository.comment_binding(response.id)
        )
    except DecryptionFailed:
        return "[comment unavailable]"
    text = clean_text(text)
    return text if len(text) <= COMMENT_CAP else text[:COMMENT_CAP] + " […]"


def _points(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"
