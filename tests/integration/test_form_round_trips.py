"""What a form POST costs the database, counted with SQLAlchemy events so it cannot creep up.

Production mode (a broker configured) on PostgreSQL and on SQLite. On PostgreSQL a POST is
two round trips: one SELECT of the live link with its form, then ONE statement that claims
the link and writes the response, its answers and the outbox row (a single statement is
its own transaction: no BEGIN, no COMMIT). On SQLite, the same read, then one transaction
of the claim and the writes. The queue publish happens after that, off the request's
thread. Also: a pooled connection the server has dropped is replaced, not handed to a
client's POST.
"""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from fic import create_app, dispatch
from fic.storage.models import Outbox, Response, utcnow
from tests.conftest import make_settings
from tests.flows import answers, csrf_token, new_session, path_of, set_up_clinic


@pytest.fixture(params=["sqlite", "postgres"])
def broker_app(request, tmp_path: Path, redis_url: str):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fic.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = create_app(make_settings(tmp_path / "instance", database_url=url, redis_url=redis_url))
    app.extensions["fic"].db.upgrade()
    yield app
    app.extensions["fic"].db.dispose()


class SqlLog:
    """What the calling thread sent the server: statements, and the transactions the driver
    opened (BEGIN) and committed. A connection in autocommit sends neither BEGIN nor COMMIT
    (SQLAlchemy still reports a begin and a commit for it, which are not counted here)."""

    def __init__(self, engine) -> None:
        self.engine, self.thread = engine, threading.get_ident()
        self.statements: list[str] = []
        self.transactions: list[list[str]] = []
        self.begins = self.commits = 0

    def __enter__(self) -> SqlLog:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._commit)

    def _sent(self, conn) -> bool:
        """From this thread, on a connection whose driver wraps statements in transactions."""
        dbapi = conn.connection.dbapi_connection
        return threading.get_ident() == self.thread and not getattr(dbapi, "autocommit", False)

    def _statement(self, _conn, _cursor, statement: str, *_args) -> None:
        if threading.get_ident() == self.thread:
            self.statements.append(" ".join(statement.split()))
            if self._sent(_conn):
                self.transactions[-1].append(self.statements[-1])

    def _begin(self, conn) -> None:
        if self._sent(conn):
            self.begins += 1
            self.transactions.append([])

    def _commit(self, conn) -> None:
        self.commits += self._sent(conn)


def _open_form(app, clinic=None):
    clinic = clinic or set_up_clinic(app)
    url = new_session(app.test_client(), clinic, "C-1", utcnow())["feedback_url"]
    client = app.test_client()
    page = client.get(path_of(url))
    return client, path_of(url), {"csrf_token": csrf_token(page.get_data(as_text=True)),
                                  **answers(8.5, comment="It helped.")}


def test_a_form_post_is_one_read_and_one_atomic_write(broker_app):
    clinic = set_up_clinic(broker_app)
    client, path, data = _open_form(broker_app, clinic)
    assert client.post(path, data=data).status_code == 303  # the client's data key is made
    client, path, data = _open_form(broker_app, clinic)
    db = broker_app.extensions["fic"].db
    with SqlLog(db.engine) as sql:
        response = client.post(path, data=data)
    assert response.status_code == 303
    read, *writes = sql.statements
    assert read.startswith("SELECT feedback_link.id"), sql.statements
    if db.is_sqlite:
        # the read, then ONE transaction: the claim, then response, answers and outbox row
        # (SQLite's BEGIN and COMMIT are function calls, not trips)
        assert sql.begins == 2 and sql.commits == 2
        assert len(writes) == 4 and writes[0].startswith("UPDATE feedback_link SET used_at")
        assert all(s.startswith("INSERT") for s in writes[1:]), writes
        assert sql.transactions[-1] == writes
    else:
        # claim + response + answers + outbox row: one statement, no BEGIN and no COMMIT
        assert sql.begins == 0 and sql.commits == 0
        assert len(writes) == 1 and writes[0].startswith("WITH claim AS ( UPDATE feedback_link")
    assert len(sql.statements) <= (5 if db.is_sqlite else 2)
    assert dispatch.dispatcher(broker_app).wait(10)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 2
        published = session.scalars(select(Outbox.published_at)).all()
    assert len(published) == 2 and None not in published


def test_a_link_answered_once_cannot_be_answered_again_through_another_link(broker_app):
    clinic = set_up_clinic(broker_app)
    client, path, data = _open_form(broker_app, clinic)
    assert client.post(path, data=data).status_code == 303
    assert client.post(path, data=data).status_code == 410
    db = broker_app.extensions["fic"].db
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_answers_that_do_not_validate_leave_the_link_live(broker_app):
    client, path, data = _open_form(broker_app)
    assert client.post(path, data={**data, "safety": "eleven"}).status_code == 422
    assert client.post(path, data=data).status_code == 303
    assert client.post(path, data=data).status_code == 410


def test_a_pooled_connection_the_server_dropped_is_replaced_before_a_post_uses_it(
    tmp_path: Path, postgres_url: str, redis_url: str
):
    app = create_app(make_settings(tmp_path / "instance", database_url=postgres_url,
                                   redis_url=redis_url))
    db = app.extensions["fic"].db
    db.upgrade()
    try:
        client, path, data = _open_form(app)
        dsn = make_url(postgres_url).set(drivername="postgresql")
        with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as pg:
            others = ("FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid()")
            killed = pg.execute(f"SELECT count(pg_terminate_backend(pid)) {others}").fetchone()
            assert killed[0] >= 1  # the pool's idle connections
            for _ in range(100):  # until the server has really ended them
                if not pg.execute(f"SELECT 1 {others}").fetchone():
                    break
                threading.Event().wait(0.05)
        assert client.post(path, data=data).status_code == 303
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Response)) == 1
    finally:
        db.dispose()
