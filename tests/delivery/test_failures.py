"""Exactly once whatever fails: a worker killed mid-notify, Redis down during a submission."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import redis
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from fic import create_app, jobs
from fic.services.core import outbox
from fic.storage.models import Alert, Outbox, utcnow
from fic.storage.models_delivery import Delivery
from tests.conftest import TEST_KEYS, make_settings
from tests.delivery.helpers import CLIENT_REF, alert_case
from tests.delivery.procs import RedisServer, Worker, free_port
from tests.flows import answers, new_session, set_up_clinic, submit_form
from tests.tasks import broker_empty, until

RISK_COMMENT = "canary comment: some days I want to end my life"


class StallingSmtp:
    """An SMTP server whose first DATA hangs until released, then is refused (never stored)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list = []
        self.stalled, self.release = threading.Event(), threading.Event()
        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802
                if not server.stalled.is_set():
                    server.stalled.set()
                    while not server.release.is_set():
                        await asyncio.sleep(0.05)
                    return "451 4.3.0 try again later"
                server.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def wait_for(self, count: int, timeout: float = 60) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} emails, got {len(self.messages)}"
        return self.messages


@pytest.fixture
def stalling_smtp():
    server = StallingSmtp()
    server.controller.start()
    yield server
    server.release.set()
    server.controller.stop()


def test_a_worker_killed_with_sigkill_in_the_middle_of_notify_is_replaced_and_the_alert_goes_out_once(  # noqa: E501
    tmp_path, stalling_smtp, postgres_url, redis_url
):
    instance = tmp_path / "instance"
    settings = make_settings(instance, database_url=postgres_url, redis_url=redis_url,
                             smtp_port=stalling_smtp.port, smtp_timeout=2.0,
                             redis_visibility_timeout=5)
    app = create_app(settings)
    app.extensions["fic"].db.upgrade()
    case = alert_case(app)
    env = {
        "FIC_INSTANCE_PATH": str(instance), "FIC_DATABASE_URL": postgres_url,
        "FIC_REDIS_URL": redis_url, "FIC_SECRET_KEY": settings.secret_key,
        "FIC_DATA_KEYS": TEST_KEYS, "FIC_BASE_URL": "http://localhost",
        "FIC_SMTP_HOST": "127.0.0.1", "FIC_SMTP_PORT": str(stalling_smtp.port),
        "FIC_SMTP_TIMEOUT": "2", "FIC_REDIS_VISIBILITY_TIMEOUT": "5", "FIC_SWEEP_SECONDS": "1",
    }
    first = Worker(env, tmp_path / "worker1.log")
    second = None
    try:
        first.wait_ready()
        with app.app_context():
            jobs.publish("fic.notify_alert", [str(case.alert_id)])
        assert stalling_smtp.stalled.wait(30), "the worker reached the SMTP server"
        first.kill()  # mid-notify: the delivery row says "sending", the message is unacked
        stalling_smtp.release.set()
        second = Worker(env, tmp_path / "worker2.log", beat=True)
        second.wait_ready()
        stalling_smtp.wait_for(2)
        # Settled: the redelivered message is acknowledged and every delivery is final, so
        # nothing is left that could send a duplicate.
        # beat keeps queueing its sweeps (every second here); none sends for a sent delivery
        sweeps = tuple(e["task"] for e in app.extensions["celery"].conf.beat_schedule.values())
        until(lambda: broker_empty(redis_url, ignoring=sweeps) and _all_sent(app), 60,
              "deliveries settled")
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert sorted(m["To"] for m in stalling_smtp.messages) == sorted(
        [case.clinic.clinician, case.clinic.supervisor])
    with app.extensions["fic"].db.session() as session:
        rows = session.scalars(select(Delivery)).all()
        assert {r.status for r in rows} == {"sent"} and len(rows) == 2
        assert max(r.attempts for r in rows) == 2  # the killed attempt, then the one that sent
    logs = (tmp_path / "worker1.log").read_text() + (tmp_path / "worker2.log").read_text()
    assert CLIENT_REF not in logs and case.clinic.clinician not in logs
    app.extensions["fic"].db.dispose()


def _all_sent(app) -> bool:
    with app.extensions["fic"].db.session() as session:
        return {row.status for row in session.scalars(select(Delivery))} == {"sent"}


def test_with_redis_stopped_the_client_sees_thanks_and_the_alert_goes_out_once_redis_is_back(
    tmp_path, mail, postgres_url, task_runs
):
    broker = RedisServer(tmp_path)
    broker.start()
    app = create_app(make_settings(tmp_path / "instance", mail, database_url=postgres_url,
                                   redis_url=broker.url))
    db = app.extensions["fic"].db
    db.upgrade()
    clinic = set_up_clinic(app)
    url = new_session(app.test_client(), clinic, CLIENT_REF, utcnow())["feedback_url"]
    broker.stop()
    try:
        client = app.test_client()
        started = time.monotonic()
        response = submit_form(client, url, answers(9.5, comment=RISK_COMMENT))
        took = time.monotonic() - started
        assert response.status_code == 303
        thanks = client.get(response.headers["Location"])
        assert thanks.status_code == 200 and "If you need help now" in thanks.get_data(True)
        assert took < 3.0, f"the thank-you page waited {took:.1f}s for a dead broker"
        with db.session() as session:
            waiting = session.scalars(select(Outbox).where(Outbox.published_at.is_(None))).all()
            assert [row.task for row in waiting] == ["fic.evaluate_response"]
        broker.start()
        celery_app = app.extensions["celery"]
        celery_app.loader.import_default_modules()
        with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False):
            with app.app_context():  # beat's reconciler, a little later
                outbox.relay(db, jobs.publish, now=utcnow() + timedelta(minutes=2))
            messages = mail.wait_for(2)
            task_runs.wait_idle(broker.url)
            with app.app_context():  # a second reconciler run finds nothing left to do
                assert outbox.relay(db, jobs.publish, now=utcnow() + timedelta(minutes=5)) == 0
            task_runs.wait_idle(broker.url)
        assert len(mail.messages) == 2
        assert {m["To"] for m in messages} == {clinic.clinician, clinic.supervisor}
        with db.session() as session:
            assert [a.level for a in session.scalars(select(Alert)).all()
                    if a.level != "watch"] == ["urgent"]
        text = "\n".join(mail.text(m) for m in messages)
        assert CLIENT_REF not in text and "canary" not in text and "end my life" not in text
        keys = redis.Redis.from_url(broker.url)
        dump = "\n".join(f"{k!r} {keys.dump(k)!r}" for k in keys.scan_iter())
        keys.close()
        assert CLIENT_REF not in dump and "canary" not in dump
    finally:
        broker.stop()
        db.dispose()
