"""Embedded mode (SQLite, no broker) runs the time-based work itself: Celery's in-memory
transport, a worker thread and beat's embedded service, on the one clock, which
time-machine moves here instead of anyone waiting for quiet hours to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from fic import embedded
from tests.flows import answers, new_session, set_up_clinic, submit_form

CLIENT = "client@example.test"
EVENING = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # inside the default 21:00-08:00


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(EVENING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def running(sqlite_app, clock):
    embedded.start(sqlite_app, beat_interval=0.2)
    yield sqlite_app
    embedded.stop(sqlite_app)


def _move(clock: time_machine.Traveller, to: datetime) -> datetime:
    clock.move_to(to)
    return to


def test_a_link_asked_for_in_quiet_hours_goes_out_once_when_they_end(
        running, mail, clock, task_runs):
    clinic = set_up_clinic(running, quiet_hours=True)  # the default 21:00-08:00
    new_session(running.test_client(), clinic, "E-1", EVENING - timedelta(hours=1), contact=CLIENT)
    task_runs.wait_for("fic.deliver_link", after=EVENING)
    assert mail.to(CLIENT) == []  # postponed, not sent

    morning = _move(clock, datetime(2026, 12, 2, 8, 0, 30, tzinfo=UTC))
    mail.wait_for(1)
    assert len(mail.to(CLIENT)) == 1
    later = _move(clock, morning + timedelta(minutes=20))
    task_runs.wait_for("fic.retry_deliveries", after=later)
    assert len(mail.to(CLIENT)) == 1


def test_one_reminder_goes_out_when_it_is_due_and_never_a_second(running, mail, clock, task_runs):
    clinic = set_up_clinic(running)
    morning = _move(clock, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    new_session(running.test_client(), clinic, "E-2", morning - timedelta(hours=1), contact=CLIENT)
    task_runs.wait_for("fic.deliver_link", after=morning)  # sent, and its reminder booked
    assert len(mail.to(CLIENT)) == 1

    due = _move(clock, morning + timedelta(hours=48, minutes=1))  # 48 h: the default reminder
    mail.wait_for(2)
    assert [m["Subject"] for m in mail.to(CLIENT)][1].lower().startswith("reminder")
    later = _move(clock, due + timedelta(hours=6))
    task_runs.wait_for("fic.send_reminders", after=later)
    assert len(mail.to(CLIENT)) == 2


def test_an_unacknowledged_rupture_is_passed_to_the_supervisor_once(
        running, mail, clock, task_runs):
    clinic = set_up_clinic(running)
    morning = _move(clock, datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    session = new_session(running.test_client(), clinic, "E-3", morning - timedelta(hours=1))
    submit_form(running.test_client(), session["feedback_url"],
                answers(9.5, tension="lot"))  # the client says so, not talked through
    task_runs.wait_for("fic.notify_alert", after=morning)
    mail.wait_for(2)
    assert len(mail.to(clinic.supervisor)) == 1

    overdue = _move(clock, morning + timedelta(hours=24, minutes=5))  # rupture: after 24 h
    mail.wait_for(3)
    escalation = mail.to(clinic.supervisor)[-1]
    assert escalation["Subject"].startswith("[fic] Unacknowledged")
    later = _move(clock, overdue + timedelta(hours=3))
    task_runs.wait_for("fic.escalate_alerts", after=later)
    assert len(mail.to(clinic.supervisor)) == 2
