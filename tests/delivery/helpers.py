"""Shared steps for the delivery tests: a clinic with one client and one pushed alert."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from fic.services.forms import links
from fic.storage import repository
from fic.storage.models import Alert, FeedbackLink, Response, utcnow
from tests.flows import Clinic, set_up_clinic

CLIENT_REF = "CANARY-REF-4711"


@dataclass(frozen=True)
class Case:
    clinic: Clinic
    clinic_id: uuid.UUID
    alert_id: uuid.UUID
    clinician_id: uuid.UUID
    supervisor_id: uuid.UUID
    session_id: uuid.UUID


def alert_case(app: Flask, level: str = "rupture", created_at: datetime | None = None,
               name: str = "Test Clinic") -> Case:
    """A clinic, a client's answered session and an alert on it, written straight to storage."""
    svc = app.extensions["fic"]
    clinic = set_up_clinic(app, name)
    with svc.db.session() as session:
        row = repository.clinic_named(session, name)
        clinician = repository.staff_by_email(session, clinic.clinician)
        supervisor = repository.staff_by_email(session, clinic.supervisor)
        created = links.record_session(session, svc.settings, svc.keys, row, CLIENT_REF,
                                       clinic.clinician, utcnow() - timedelta(hours=1))
        session.flush()
        link = session.scalars(
            select(FeedbackLink).where(FeedbackLink.session_id == created.link.session_id)
        ).one()
        response = Response(id=uuid.uuid4(), session_id=created.link.session_id, link_id=link.id,
                            instrument="alliance")
        session.add(response)
        session.flush()
        client_id = repository.client_by_ref(session, row.id, CLIENT_REF).id
        alert = Alert(id=uuid.uuid4(), dedupe_key=f"{response.id}:R2:{level}",
                      client_id=client_id, response_id=response.id, rule="R2", level=level,
                      created_at=created_at or utcnow())
        session.add(alert)
        return Case(clinic, row.id, alert.id, clinician.id, supervisor.id,
                    created.link.session_id)
