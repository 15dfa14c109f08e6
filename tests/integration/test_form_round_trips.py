"""What a form POST costs the database, counted with SQLAlchemy events so it cannot creep up.

Production mode (a broker configured) on PostgreSQL and on SQLite: a read of the form as
the client saw it, then one write transaction, the claim first, then only writes; the queue
publish happens after the commit, off the request's thread. Also: a pooled connection the
server has dropped is replaced, not handed to a client's POST.
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
    """Statements, transactions and commits issued from the calling thread only."""

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

    def _mine(self) -> bool:
        return threading.get_ident() == self.thread

    def _statement(self, _conn, _cursor, statement: str, *_args) -> None:
        if self._mine():
            self.statements.append(" ".join(statement.split()))
            self.transactions[-1].append(self.statements[-1])

    def _begin(self, _conn) -> None:
        if self._mine():
            self.begins += 1
            self.transactions.append([])

    def _commit(self, _conn) -> None:
        self.commits += self._mine()


def _open_form(app, clinic=None):
    clinic = clinic or set_up_clinic(app)
    url = new_session(app.test_client(), clinic, "C-1", utcnow())["feedback_url"]
    client = app.test_client()
    page = client.get(path_of(url))
    return client, path_of(url), {"csrf_token": csrf_token(page.get_data(as_text=True)),
                                  **answers(8.5, comment="It helped.")}


def test_a_form_post_is_one_transaction_of_a_claim_and_its_writes(broker_app):
    clinic = set_up_clinic(broker_app)
    client, path, data = _open_form(broker_app, clinic)
    assert client.post(path, data=data).status_code == 303  # the client's data key is made
    client, path, data = _open_form(broker_app, clinic)
    db = broker_app.extensions["fic"].db
    with SqlLog(db.engine) as sql:
        response = client.post(path, data=data)
    assert response.status_code == 303
    # The form as the client saw it (link, clinic and client, the client's goals), read
    # before anything is written; then ONE write transaction that starts with the claim.
    assert sql.begins == 2 and sql.commits == 2
    read, write = sql.transactions
    assert len(read) <= 3 and all(s.startswith("SELECT") for s in read), read
    assert write[0].startswith("UPDATE feedback_link SET used_at")
    assert all(s.startswith(("INSERT", "WITH new_response AS (INSERT")) for s in write[1:]), write
    # PostgreSQL: the claim, then response + answers + outbox row in one statement; SQLite
    # (no data-modifying CTEs, and no network between) writes them as three statements.
    assert len(write) == (4 if db.is_sqlite else 2), write
    assert dispatch.dispatcher(broker_app).wait(10)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 2
        published = session.scalars(select(Outbox.published_at)).all()
    assert len(published) == 2 and None not in published


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
