"""The form POST's two PostgreSQL statements go straight to the driver (fic.storage.db.
first_row): what SQLAlchemy would have made of a failure must come out the same, because
the form path decides on it (a used link, a dropped connection to try again on)."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from fic import create_app
from fic.domain.answers import Answers
from fic.services.forms import responses
from fic.storage.db import first_row
from fic.storage.models import Answer, Response, utcnow
from tests.conftest import make_settings
from tests.flows import new_session, path_of, set_up_clinic


@pytest.fixture
def app(tmp_path: Path, postgres_url: str, redis_url: str):
    app = create_app(make_settings(tmp_path / "instance", database_url=postgres_url,
                                   redis_url=redis_url))
    app.extensions["fic"].db.upgrade()
    yield app
    app.extensions["fic"].db.dispose()


def _token(app) -> str:
    clinic = set_up_clinic(app)
    url = new_session(app.test_client(), clinic, "C-1", utcnow())["feedback_url"]
    return path_of(url).rsplit("/", 1)[1]


def _end_backend(postgres_url: str, pid: int) -> None:
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(100):  # until the server has really ended it
            if not pg.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                return
            threading.Event().wait(0.05)


def test_a_driver_statement_is_seen_by_the_engines_events_and_fails_as_sqlalchemy_would(app):
    db = app.extensions["fic"].db
    seen: list[str] = []
    listener = lambda _c, _cur, statement, *_a: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with db.connection() as connection:
            assert first_row(connection, "SELECT %(n)s::int + 1", {"n": 1}) == (2,)
            assert first_row(connection, "SELECT 1 WHERE false", {}) is None
            connection.exec_driver_sql("CREATE TEMP TABLE t (k int PRIMARY KEY)")
            first_row(connection, "INSERT INTO t VALUES (1) RETURNING k", {})
            with pytest.raises(IntegrityError):
                first_row(connection, "INSERT INTO t VALUES (1) RETURNING k", {})
            assert first_row(connection, "SELECT count(*) FROM t", {}) == (1,)  # still usable
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert seen[:2] == ["SELECT %(n)s::int + 1", "SELECT 1 WHERE false"]


def test_a_connection_that_dies_under_a_driver_statement_is_reported_invalidated(
    app, postgres_url
):
    db = app.extensions["fic"].db
    with db.connection() as connection:
        pid = first_row(connection, "SELECT pg_backend_pid()", {})[0]
        _end_backend(postgres_url, pid)
        with pytest.raises(DBAPIError) as raised:
            first_row(connection, "SELECT 1", {})
    assert raised.value.connection_invalidated


def test_answers_whose_connection_died_after_the_read_are_stored_once_on_a_fresh_one(
    app, postgres_url
):
    svc = app.extensions["fic"]
    token = _token(app)
    with svc.db.shared_connection() as connection:
        link = responses.live(svc.db, token, connection)
        pid = first_row(connection, "SELECT pg_backend_pid()", {})[0]
        _end_backend(postgres_url, pid)
        answers = Answers({"safety": 85, "heard": 91, "goals": 79, "approach": 88,
                           "tension": 0}, comment="It helped.")
        submitted = responses.store(svc.db, svc.keys, link, answers, connection=connection)
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        assert session.scalar(select(func.count()).select_from(Answer)) == 5
        assert session.get(Response, submitted.response_id) is not None
