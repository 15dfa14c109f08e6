"""The supervision summary's context: per supervisee figures and per client courses.

Clients needing attention (an open urgent or low-alliance alert, an open or escalated
rupture, or not on track) come first, most urgent first; the rest of the caseload follows
compactly.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_percent
from sqlalchemy import select
from sqlalchemy.orm import Session

from fic import i18n
from fic.crypto import KeyRing
from fic.domain.outcomes import CATEGORIES
from fic.errors import InvalidRequest
from fic.services.clinic.branding import logo_data_uri
from fic.services.reports.client_view import ClientView, client_view, duration, mean
from fic.services.reports.periods import period_bounds
from fic.settings import Settings
from fic.storage import repository
from fic.storage.models import Client, Clinic, Staff, TherapySession

# Most urgent first: safety words, then ruptures by how far they went, then the rest.
SEVERITY = {"reason_urgent": 0, "reason_escalated": 1, "reason_open": 2,
            "reason_low_alliance": 3, "reason_not_on_track": 4}


def summary_context(
    session: Session, keys: KeyRing, settings: Settings, supervisor: Staff, start: date, end: date
) -> dict[str, object]:
    if supervisor.role != "supervisor":
        raise InvalidRequest("that staff member is not a supervisor")
    if end < start:
        raise InvalidRequest("the period ends before it starts")
    clinic = session.get(Clinic, supervisor.clinic_id)
    assert clinic is not None  # noqa: S101 - foreign key
    lo, hi = period_bounds(start, end, clinic.timezone)
    supervisees, views = [], []
    for clinician in repository.supervisees(session, supervisor.id):
        mine = [
            client_view(session, keys, settings, client, lo, hi, clinic.timezone)
            for client in _clients_seen(session, clinician, lo, hi)
        ]
        supervisees.append(_figures(clinician.email, mine))
        views += mine
    attention = sorted(
        (v for v in views if v.needs_attention),
        key=lambda v: (min(SEVERITY[r] for r in v.reasons), v.client_ref),
    )
    rest = sorted((v for v in views if not v.needs_attention), key=lambda v: v.client_ref)
    return {
        "lang": i18n.current(),
        "clinic": clinic.name,
        "logo": logo_data_uri(settings, clinic.id) or "logo.svg",
        "supervisor": supervisor.email,
        "period_from": format_date(start, "medium", locale=i18n.current()),
        "period_to": format_date(end, "medium", locale=i18n.current()),
        "supervisees": supervisees,
        "attention": [v.primitives() for v in attention],
        "rest": [v.primitives() for v in rest],
        "outcome_names": list(CATEGORIES),
    }


def _clients_seen(session: Session, clinician: Staff, lo: datetime, hi: datetime) -> list[Client]:
    """This clinician's clients with a session held in the period."""
    return list(
        session.scalars(
            select(Client)
            .where(
                Client.clinician_id == clinician.id,
                Client.erased_at.is_(None),  # an erased client is in no report built after
                Client.id.in_(
                    select(TherapySession.client_id).where(
                        TherapySession.clinician_id == clinician.id,
                        TherapySession.held_at >= lo,
                        TherapySession.held_at < hi,
                    )
                ),
            )
            .order_by(Client.client_ref)
        )
    )


def _figures(email: str, views: list[ClientView]) -> dict[str, object]:
    sent = sum(v.sessions_in_period for v in views)
    answered = sum(v.answered_in_period for v in views)
    episodes = [e for v in views for e in v.episodes if e["in_period"]]
    acks = [s for v in views for s in v.ack_seconds]
    outcomes = Counter(v.outcome for v in views)
    return {
        "clinician": email,
        "clients_seen": len(views),
        "forms_sent": sent,
        "completion": format_percent(answered / sent, locale=i18n.current()) if sent else "–",
        "mean_alliance": mean([t for v in views for t in v.totals_in_period]),
        "ruptures_open": sum(1 for e in episodes if e["state"] == "open"),
        "ruptures_repaired": sum(1 for e in episodes if e["state"] in ("repaired", "closed")),
        "ruptures_escalated": sum(1 for e in episodes if e["state"] == "escalated"),
        "median_ack": duration(statistics.median(acks)) if acks else "–",
        "outcomes": {name: outcomes.get(name, 0) for name in (*CATEGORIES, "no_outcome")},
        "with_goals": sum(1 for v in views if v.goals),
        "goals_moving": sum(1 for v in views if v.goals_moving),
    }
