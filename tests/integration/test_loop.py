"""The whole loop: API → form → evaluation → alert email, embedded and with a real worker."""

from __future__ import annotations

import base64
import re
import threading
from datetime import timedelta

import redis
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from fic.storage.models import Alert, Notification, utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form

CLIENT_REF = "CANARY-REF-4711"
COMMENT = "canary comment: I felt judged when we talked about my brother"
# Four steady sessions, then a sharp drop: one rupture alert, nothing pushed before it.
SCORES = (9.5, 9.4, 9.6, 9.5, 5.0)


def _run_course(app, clinic) -> None:
    api = app.test_client()
    for week, score in enumerate(SCORES):
        held_at = utcnow() - timedelta(weeks=len(SCORES) - week)
        url = new_session(api, clinic, CLIENT_REF, held_at)["feedback_url"]
        comment = COMMENT if week == len(SCORES) - 1 else ""
        response = submit_form(app.test_client(), url, answers(score, comment=comment))
        assert response.status_code == 303


def _assert_one_alert_emailed_without_health_data(app, clinic, mail, task_runs,
                                                   redis_url=None) -> None:
    messages = mail.wait_for(2)
    task_runs.wait_idle(redis_url)  # nothing left that could send another
    assert len(mail.messages) == 2
    assert {m["To"] for m in mail.messages} == {clinic.clinician, clinic.supervisor}
    with app.extensions["fic"].db.session() as session:
        pushed = session.scalars(select(Alert).where(Alert.level != "watch")).all()
        notifications = session.scalars(select(Notification)).all()
    assert [a.level for a in pushed] == ["rupture"]
    assert {n.status for n in notifications} == {"sent"}
    for message in messages:
        text = mail.text(message)
        assert str(pushed[0].id) in text and "rupture" in text
        assert CLIENT_REF not in text and "canary" not in text
        assert not re.search(r"\b(5\.0|9\.5|20\.0|38\.0)\b", text), "no scores in an alert"


def test_the_loop_runs_in_process_on_sqlite(sqlite_app, mail, task_runs):
    clinic = set_up_clinic(sqlite_app)
    _run_course(sqlite_app, clinic)
    _assert_one_alert_emailed_without_health_data(sqlite_app, clinic, mail, task_runs)


class RedisRecorder:
    """Every command any client sends to Redis while the test runs (MONITOR)."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.commands: list[str] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.client.monitor() as monitor:
            self._ready.set()
            for event in monitor.listen():
                self.commands.append(event["command"])
                if self._stop.is_set():
                    return

    def __enter__(self) -> RedisRecorder:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.client.ping()  # wakes the monitor loop so it sees the stop flag
        self._thread.join(5)
        self.client.close()


def test_the_loop_runs_on_postgres_redis_and_a_real_worker_without_health_data_in_redis(
    worker_app, mail, redis_url, task_runs
):
    app = worker_app
    celery_app = app.extensions["celery"]
    clinic = set_up_clinic(app)
    with RedisRecorder(redis_url) as recorder, start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False
    ):
        _run_course(app, clinic)
        _assert_one_alert_emailed_without_health_data(app, clinic, mail, task_runs, redis_url)
    assert any("fic.evaluate_response" in c for c in recorder.commands), "jobs went via Redis"
    traffic = "\n".join(recorder.commands)
    bodies = _decoded_bodies(traffic)
    with app.extensions["fic"].db.session() as session:
        response_ids = {str(a.response_id) for a in session.scalars(select(Alert))}
    assert any(rid in body for body in bodies for rid in response_ids), "bodies were decoded"
    traffic += "\n".join(bodies)
    assert CLIENT_REF not in traffic and "canary" not in traffic
    for address in (clinic.clinician, clinic.supervisor):
        assert address not in traffic
    keys_and_values = _dump(redis.Redis.from_url(redis_url))
    assert CLIENT_REF not in keys_and_values and "canary" not in keys_and_values


def _dump(client: redis.Redis) -> str:
    """Every key and value left in the test database, as text."""
    parts = []
    for key in client.scan_iter():
        kind = client.type(key).decode()
        read = {
            "string": client.get,
            "list": lambda k: client.lrange(k, 0, -1),
            "hash": client.hgetall,
            "set": client.smembers,
            "zset": lambda k: client.zrange(k, 0, -1),
        }.get(kind, lambda k: b"")
        value = read(key)
        parts.append(f"{key!r} {value!r}")
    return "\n".join(parts)


def _decoded_bodies(traffic: str) -> list[str]:
    """Kombu base64-encodes message bodies; decode them so the check sees the arguments."""
    found = re.findall(r'body\\?": \\?"([A-Za-z0-9+/=]{8,})', traffic)
    return [base64.b64decode(body).decode(errors="replace") for body in found]
