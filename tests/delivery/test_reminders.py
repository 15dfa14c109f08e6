"""The one reminder: sent once, never after the form was answered, never in quiet hours."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from fic.delivery.email import Mailer
from fic.services.clinic import delivery_settings
from fic.services.delivery import reminders
from fic.services.delivery.link_messages import LinkSenders
from fic.storage import repository
from fic.storage.models import utcnow
from tests.flows import answers, new_session, path_of, set_up_clinic, submit_form

# Times passed in and times read inside agree, however slow the machine.
pytestmark = pytest.mark.usefixtures("frozen_clock")


def _senders(app) -> LinkSenders:
    svc = app.extensions["fic"]
    return LinkSenders(Mailer(svc.settings), None, svc.keys, svc.settings)


def _clinic_with_quiet_hours_later(app):
    """Quiet hours off while the first link goes out (it is sent now), then 21:00–08:00 UTC."""
    svc = app.extensions["fic"]
    clinic = set_up_clinic(app)
    with svc.db.session() as session:
        clinic_id = repository.clinic_named(session, clinic.name).id
        delivery_settings.update(session, clinic_id, quiet_start=None, quiet_end=None)
    return clinic, clinic_id


def _quiet_hours_on(app, clinic_id) -> None:
    with app.extensions["fic"].db.session() as session:
        delivery_settings.update(session, clinic_id, quiet_start="21:00", quiet_end="08:00")


def _next(at: datetime, hour: int) -> datetime:
    moment = datetime.combine(at.date(), time(hour), tzinfo=at.tzinfo)
    return moment if moment > at else moment + timedelta(days=1)


def _link(message) -> str:
    found = re.search(r"http://localhost/f/[A-Za-z0-9_-]+", message.get_body(("plain",))
                      .get_content())
    assert found
    return found.group(0)


def test_a_reminder_waits_for_quiet_hours_to_end_and_is_sent_once(app, mail):
    clinic, clinic_id = _clinic_with_quiet_hours_later(app)
    new_session(app.test_client(), clinic, "R-1", utcnow(), contact="client@example.test")
    mail.wait_for(1)
    _quiet_hours_on(app, clinic_id)
    senders, due = _senders(app), utcnow() + timedelta(hours=48)
    assert reminders.send_due(app.extensions["fic"].db, senders, due - timedelta(minutes=5)) == 0
    night = _next(due, 2)
    assert reminders.send_due(app.extensions["fic"].db, senders, night) == 0
    morning = _next(night, 9)
    assert reminders.send_due(app.extensions["fic"].db, senders, morning) == 1
    assert reminders.send_due(app.extensions["fic"].db, senders, morning + timedelta(hours=5)) == 0
    messages = mail.wait_for(2)
    assert len(messages) == 2 and messages[1]["Subject"].startswith("Reminder")
    # The reminder's link works, and it is the same session: answering it ends both links.
    client = app.test_client()
    assert client.get(path_of(_link(messages[1]))).status_code == 200
    assert submit_form(client, _link(messages[1]), answers(9.0)).status_code == 303
    assert client.get(path_of(_link(messages[0]))).status_code == 410


def test_no_reminder_after_the_form_was_answered(sqlite_app, mail):
    clinic, _ = _clinic_with_quiet_hours_later(sqlite_app)
    new_session(sqlite_app.test_client(), clinic, "R-2", utcnow(), contact="client@example.test")
    first = mail.wait_for(1)[0]
    assert submit_form(sqlite_app.test_client(), _link(first), answers(9.0)).status_code == 303
    later = _next(utcnow() + timedelta(hours=49), 10)
    assert reminders.send_due(sqlite_app.extensions["fic"].db, _senders(sqlite_app), later) == 0
    assert len(mail.messages) == 1
