"""Unacknowledged alerts escalate on time (an injected clock, no sleeping); acknowledged don't."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fic.delivery.email import Mailer
from fic.jobs import publish
from fic.services.alerts import acknowledgements, escalations, notifications
from fic.services.alerts.notifications import Senders
from fic.services.clinic import delivery_settings
from fic.services.core import outbox
from fic.storage.models import utcnow
from tests.delivery.helpers import alert_case

# Times passed in and times read inside agree, however slow the machine.
pytestmark = pytest.mark.usefixtures("frozen_clock")


def _escalate(app, now) -> None:
    """What beat's fic.escalate_alerts does, at a time of the test's choosing."""
    db = app.extensions["fic"].db
    with app.app_context():
        outbox.flush(db, publish, escalations.escalate_due(db, now))


def test_an_unacknowledged_rupture_alert_escalates_to_the_supervisor_then_on_call(app, mail):
    svc = app.extensions["fic"]
    raised = utcnow()
    case = alert_case(app, created_at=raised)
    with svc.db.session() as session:
        delivery_settings.update(session, case.clinic_id, on_call_email="oncall@clinic.test")
    _escalate(app, raised + timedelta(hours=23, minutes=59))
    assert mail.messages == []
    _escalate(app, raised + timedelta(hours=24, minutes=1))
    mail.wait_for(1)
    assert [m["To"] for m in mail.messages] == [case.clinic.supervisor]
    assert mail.messages[0]["Subject"].startswith("[fic] Unacknowledged")
    _escalate(app, raised + timedelta(hours=30))  # nothing new before twice the time
    _escalate(app, raised + timedelta(hours=48, minutes=1))
    mail.wait_for(2)
    _escalate(app, raised + timedelta(hours=96))  # the last stage is reached only once
    assert [m["To"] for m in mail.messages] == [case.clinic.supervisor, "oncall@clinic.test"]


def test_an_acknowledged_alert_does_not_escalate(sqlite_app, mail):
    svc = sqlite_app.extensions["fic"]
    raised = utcnow()
    case = alert_case(sqlite_app, created_at=raised)
    acknowledgements.acknowledge(svc.db, svc.keys, case.alert_id, case.clinician_id,
                                 "talked_in_session", None, raised + timedelta(hours=2))
    _escalate(sqlite_app, raised + timedelta(days=5))
    assert mail.messages == []


def test_an_urgent_alert_escalates_after_an_hour(sqlite_app, mail):
    raised = utcnow()
    case = alert_case(sqlite_app, level="urgent", created_at=raised)
    _escalate(sqlite_app, raised + timedelta(minutes=59))
    assert mail.messages == []
    _escalate(sqlite_app, raised + timedelta(minutes=61))
    assert [m["To"] for m in mail.wait_for(1)] == [case.clinic.supervisor]


def test_an_alert_acknowledged_before_its_escalation_is_sent_is_not_passed_on(sqlite_app, mail):
    svc = sqlite_app.extensions["fic"]
    raised = utcnow()
    case = alert_case(sqlite_app, created_at=raised)
    escalations.escalate_due(svc.db, raised + timedelta(hours=25))  # queued, not yet sent
    acknowledgements.acknowledge(svc.db, svc.keys, case.alert_id, case.supervisor_id,
                                 "consulted_supervisor", None, raised + timedelta(hours=25))
    senders = Senders(Mailer(svc.settings), svc.keys, svc.settings)
    assert notifications.notify_escalation(svc.db, senders, case.alert_id).sent == 0
    assert mail.messages == []
