"""The client course page and the alert page: each is one use case that reads the course
model, draws its charts and writes its audit rows (the view, and every comment shown)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fic.crypto import KeyRing
from fic.services.alerts import acknowledgements
from fic.services.alerts.summaries import alert_summary
from fic.services.core import access, audit
from fic.services.core.access import Actor
from fic.services.course import charts
from fic.services.course.model import CourseModel, SessionRow, client_course
from fic.services.staff.caseload import awaiting
from fic.storage.db import Database


@dataclass(frozen=True)
class CoursePage:
    course: CourseModel
    alliance_chart: str | None
    wellbeing_chart: str | None
    goals_chart: str | None = None


@dataclass(frozen=True)
class AlertPage:
    alert: dict[str, object]
    row: SessionRow | None
    client_ref: str
    client_id: uuid.UUID
    note: str | None


def course_page(
    db: Database, keys: KeyRing, actor: Actor, client_id: uuid.UUID, now: datetime
) -> CoursePage:
    """A client's whole course (NotFound outside the actor's scope); audited."""
    with db.session() as session:
        client = access.client(session, actor, client_id)
        course = client_course(session, keys, client,
                               awaiting=awaiting(session, [client.id], now))
        _audit(session, actor, "client_course_viewed", "client", client.id, now)
        for response_id in course.decrypted:
            _audit(session, actor, "comment_decrypted", "response", response_id, now)
    return CoursePage(course, charts.alliance_chart(course), charts.wellbeing_chart(course),
                      charts.goals_chart(course))


def alert_page(
    db: Database, keys: KeyRing, actor: Actor, alert_id: uuid.UUID, now: datetime
) -> AlertPage:
    """One alert with the session it was raised on (NotFound outside scope); audited."""
    with db.session() as session:
        found = access.alert(session, actor, alert_id)
        client = access.client(session, actor, found.client_id)
        course = client_course(session, keys, client,
                               awaiting=awaiting(session, [client.id], now))
        row = next((r for r in course.rows if r.response_id == found.response_id), None)
        ack = acknowledgements.acknowledgement_of(session, found.id)
        note = acknowledgements.note_of(session, keys, ack) if ack else None
        _audit(session, actor, "alert_viewed", "alert", found.id, now)
        if row is not None and row.comment is not None:
            _audit(session, actor, "comment_decrypted", "response", row.response_id, now)
        return AlertPage(alert_summary(session, found), row, client.client_ref, client.id, note)


def _audit(session: Session, actor: Actor, action: str, object_type: str, object_id: object,
           now: datetime) -> None:
    audit.record(session, action, actor_id=actor.staff_id, clinic_id=actor.clinic_id,
                 object_type=object_type, object_id=object_id, at=now)
