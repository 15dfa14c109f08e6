"""Acknowledging an alert: once, in scope, with the repair and an encrypted note."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from fic.errors import InvalidRequest, NotFound
from fic.services.alerts import acknowledgements
from fic.storage.models import Alert, utcnow
from fic.storage.models_delivery import Acknowledgement
from tests.delivery.helpers import alert_case


def test_an_acknowledgement_records_the_repair_once_and_closes_the_alert(app):
    svc = app.extensions["fic"]
    raised = utcnow() - timedelta(hours=3)
    case = alert_case(app, created_at=raised)
    now = utcnow()
    first = acknowledgements.acknowledge(svc.db, svc.keys, case.alert_id, case.clinician_id,
                                         "talked_in_session", "canary note", now)
    again = acknowledgements.acknowledge(svc.db, svc.keys, case.alert_id, case.supervisor_id,
                                         "referred", None, now)
    with svc.db.session() as session:
        assert again.id == first.id and again.action == "talked_in_session"
        assert session.get(Alert, case.alert_id).acknowledged_at == now
        assert abs(first.seconds_to_ack - 3 * 3600) <= 2
        stored = session.scalars(select(Acknowledgement)).all()
        assert len(stored) == 1 and b"canary" not in stored[0].note_ct
        assert acknowledgements.note_of(session, svc.keys, stored[0]) == "canary note"
        assert acknowledgements.acknowledgement_of(session, case.alert_id).id == first.id


def test_an_unknown_action_or_alert_is_refused(sqlite_app):
    svc = sqlite_app.extensions["fic"]
    case = alert_case(sqlite_app)
    with pytest.raises(InvalidRequest):
        acknowledgements.acknowledge(svc.db, svc.keys, case.alert_id, case.clinician_id,
                                     "ignored_it", None, utcnow())
    with pytest.raises(NotFound):
        acknowledgements.acknowledge(svc.db, svc.keys, uuid.uuid4(), case.clinician_id,
                                     "other", None, utcnow())
    with svc.db.session() as session:
        assert acknowledgements.acknowledgement_of(session, case.alert_id) is None


def test_staff_of_another_clinic_cannot_see_the_alert(sqlite_app):
    svc = sqlite_app.extensions["fic"]
    case = alert_case(sqlite_app)
    other = alert_case(sqlite_app, name="Other Clinic")
    with pytest.raises(NotFound):
        acknowledgements.acknowledge(svc.db, svc.keys, case.alert_id, other.clinician_id,
                                     "other", None, utcnow())
