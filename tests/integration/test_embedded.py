"""Embedded mode (SQLite, no broker) runs the time-based work itself: Celery's in-memory
transport, a worker thread and beat's embedded service, on the one clock, which
time-machine moves here instead of anyone waiting for quiet hours to end."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.signals import task_postrun

from fic import embedded
from tests.flows import answers, new_session, set_up_clinic, submit_form

CLIENT = "client@example.test"
EVENING = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # inside the default 21:00-08:00


class TaskRuns:
    """Which tasks finished and when (on the moved clock): wait on that, never on a sleep."""

    def __init__(self) -> None:
        self.finished: list[tuple[str, datetime]] = []
        self.lock = threading.Lock()

    def __call__(self, sender=None, **_: object) -> None:
        with self.lock:
            self.finished.append((sender.name, datetime.now(UTC)))

    def wait_for(self, name: str, after: datetime, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if any(n == name and at >= after for n, at in self.finished):
                    return
            time.sleep(0.05)
        raise AssertionError(f"{name} did not run after {after:%Y-%m-%d %H:%M}")


@pytest.fixture
def runs() -> Iterator[TaskRuns]:
    recorder = TaskRuns()
    task_postrun.connect(recorder, weak=False)
    yield recorder
    task_postrun.disconnect(recorder)


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


def test_a_link_asked_for_in_quiet_hours_goes_out_once_when_they_end(running, mail, clock, runs):
    clinic = set_up_clinic(running, quiet_hours=True)  # the default 21:00-08:00
    new_session(running.test_client(), clinic, "E-1", EVENING - timedelta(hours=1), contact=CLIENT)
    runs.wait_for("fic.deliver_link", after=EVENING)
    assert mail.to(CLIENT) == []  # postponed, not sent

    morning = _move(clock, datetime(2026, 12, 2, 8, 0, 30, tzinfo=UTC))
    mail.wait_for(1)
    assert len(mail.to(CLIENT)) == 1
    later = _move(clock, morning + timedelta(minutes=20))
    runs.wait_for("fic.retry_deliveries", after=later)
    assert len(mail.to(CLIENT)) == 1


def test_one_reminder_goes_out_when_it_is_due_and_never_a_second(running, mail, clock, runs):
    clinic = set_up_clinic(running)
    morning = _move(clock, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    new_session(running.test_client(), clinic, "E-2", morning - timedelta(hours=1), contact=CLIENT)
    runs.wait_for("fic.deliver_link", after=morning)  # sent, and its reminder booked
    assert len(mail.to(CLIENT)) == 1

    due = _move(clock, morning + timedelta(hours=48, minutes=1))  # 48 h: the default reminder
    mail.wait_for(2)
    assert [m["Subject"] for m in mail.to(CLIENT)][1].lower().startswith("reminder")
    later = _move(clock, due + timedelta(hours=6))
    runs.wait_for("fic.send_reminders", after=later)
    assert len(mail.to(CLIENT)) == 2


def test_an_unacknowledged_rupture_is_passed_to_the_supervisor_once(running, mail, clock, runs):
    clinic = set_up_clinic(running)
    morning = _move(clock, datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    session = new_session(running.test_client(), clinic, "E-3", morning - timedelta(hours=1))
    submit_form(running.test_client(), session["feedback_url"],
                answers(9.5, tension="lot"))  # the client says so, not talked through
    runs.wait_for("fic.notify_alert", after=morning)
    mail.wait_for(2)
    assert len(mail.to(clinic.supervisor)) == 1

    overdue = _move(clock, morning + timedelta(hours=24, minutes=5))  # rupture: after 24 h
    mail.wait_for(3)
    escalation = mail.to(clinic.supervisor)[-1]
    assert escalation["Subject"].startswith("[fic] Unacknowledged")
    later = _move(clock, overdue + timedelta(hours=3))
    runs.wait_for("fic.escalate_alerts", after=later)
    assert len(mail.to(clinic.supervisor)) == 2
