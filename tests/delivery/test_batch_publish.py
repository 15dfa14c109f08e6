"""Publishing committed jobs: one round trip to Redis, the very messages send_task sends.

When jobs come close together, the dispatcher's thread lets them gather and puts them on
Redis in one pipeline. A worker must not be able to tell these messages from `send_task`'s; a broker
that is away refuses them without waiting, and the rows stay in the outbox.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from pathlib import Path

import redis
from flask.testing import FlaskClient
from sqlalchemy import select

from fic import broker, create_app, dispatch, jobs
from fic.storage.models import Outbox, utcnow
from tests.conftest import make_settings
from tests.delivery.procs import free_port
from tests.flows import answers, csrf_token, new_session, path_of, set_up_clinic


def _app(tmp_path: Path, redis_url: str):
    return create_app(make_settings(tmp_path / "instance",
                                    database_url=f"sqlite:///{tmp_path / 'fic.db'}",
                                    redis_url=redis_url))


def _shape(raw: bytes) -> dict:
    """A queued message with what differs between two jobs (ids, arguments) left out."""
    message = json.loads(raw)
    body = json.loads(base64.b64decode(message.pop("body")))
    for key in ("id", "root_id", "argsrepr"):
        message["headers"].pop(key)
    for key in ("correlation_id", "delivery_tag"):
        message["properties"].pop(key)
    return {**message, "body": [len(body[0]), *body[1:]]}


def test_a_batch_reaches_each_task_queue_shaped_exactly_as_send_task_shapes_it(
    tmp_path, redis_url
):
    app = _app(tmp_path, redis_url)
    queued = redis.Redis.from_url(redis_url)
    with app.app_context():
        sender = jobs.sender(app)
        assert sender is not None
        taken = jobs.publish_batch(sender, [(jobs.EVALUATE_RESPONSE, ("r-1",)),
                                            (jobs.BUILD_REPORT, ("p-1",)),
                                            (jobs.EVALUATE_RESPONSE, ("r-2",))])
        assert taken == [True, True, True]
        batched = {"celery": queued.lrange("celery", 0, -1),
                   "reports": queued.lrange("reports", 0, -1)}
        queued.delete("celery", "reports")
        assert jobs.publish(jobs.EVALUATE_RESPONSE, ["r-3"])
        assert jobs.publish(jobs.BUILD_REPORT, ["p-2"])
        sent = {"celery": queued.lrange("celery", 0, -1),
                "reports": queued.lrange("reports", 0, -1)}
        sender.close()
    assert len(batched["celery"]) == 2 and len(batched["reports"]) == 1
    args = sorted(json.loads(base64.b64decode(json.loads(m)["body"]))[0][0]
                  for m in batched["celery"])
    assert args == ["r-1", "r-2"]
    for queue in ("celery", "reports"):
        assert _shape(batched[queue][0]) == _shape(sent[queue][0])
    headers = json.loads(batched["reports"][0])["headers"]
    assert headers["task"] == jobs.BUILD_REPORT and headers["argsrepr"] == "['p-1']"


def test_with_the_broker_away_a_batch_is_refused_and_its_jobs_stay_unpublished(tmp_path):
    app = _app(tmp_path, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with app.app_context():
        sender = jobs.sender(app)
        assert jobs.publish_batch(sender, [(jobs.EVALUATE_RESPONSE, ("r-1",)),
                                           (jobs.NOTIFY_ALERT, ("a-1",))]) == [False, False]


def test_a_broker_that_never_answers_refuses_the_whole_batch_without_a_try_per_job(
    tmp_path, monkeypatch
):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    tried_alone: list[str] = []
    monkeypatch.setattr(jobs, "publish", lambda task, args: tried_alone.append(task))
    try:
        app = _app(tmp_path, f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        with app.app_context():
            work = [(jobs.EVALUATE_RESPONSE, (f"r-{n}",)) for n in range(50)]
            assert jobs.publish_batch(jobs.sender(app), work) == [False] * 50
    finally:
        silent.close()
    assert tried_alone == []  # each would have waited for the silent broker in turn


def test_embedded_mode_has_no_batch_sender(tmp_path):
    app = create_app(make_settings(tmp_path / "instance",
                                   database_url=f"sqlite:///{tmp_path / 'fic.db'}"))
    assert jobs.sender(app) is None


def test_a_form_after_a_quiet_spell_goes_at_once_and_those_close_behind_it_go_together(
    tmp_path, redis_url, monkeypatch
):
    gathered = threading.Event()

    class Clock:  # the dispatcher's: its gathering sleep lasts until the test says
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            gathered.wait(60)

    monkeypatch.setattr(dispatch, "_GATHER", 3600.0)
    monkeypatch.setattr(dispatch, "time", Clock)
    sends: list[int] = []
    send = broker.Sender.send

    def counted(self, work):
        sends.append(len(work))
        return send(self, work)

    monkeypatch.setattr(broker.Sender, "send", counted)
    app = _app(tmp_path, redis_url)
    app.extensions["fic"].db.upgrade()
    queued = redis.Redis.from_url(redis_url)
    try:
        clinic = set_up_clinic(app)
        forms = []
        for n in range(3):
            url = new_session(app.test_client(), clinic, f"C-{n}", utcnow())["feedback_url"]
            client = FlaskClient(app)
            page = client.get(path_of(url))
            forms.append((client, path_of(url), {
                "csrf_token": csrf_token(page.get_data(as_text=True)), **answers(8.5)}))
        client, path, data = forms[0]
        assert client.post(path, data=data).status_code == 303
        assert dispatch.dispatcher(app).wait(10)  # published without gathering
        assert sends == [1]
        for client, path, data in forms[1:]:
            assert client.post(path, data=data).status_code == 303
        gathered.set()
        assert dispatch.dispatcher(app).wait(10)
        assert sends == [1, 2]
        assert queued.llen("celery") == 3
        tasks = {json.loads(m)["headers"]["task"] for m in queued.lrange("celery", 0, -1)}
        assert tasks == {jobs.EVALUATE_RESPONSE}
        with app.extensions["fic"].db.session() as session:
            rows = session.scalars(select(Outbox).where(Outbox.task == jobs.EVALUATE_RESPONSE))
            assert [row.published_at is not None for row in rows] == [True] * 3
    finally:
        app.extensions["fic"].db.dispose()
