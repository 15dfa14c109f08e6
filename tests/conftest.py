"""Fixtures on real parts: SQLite and PostgreSQL, Redis, a Celery worker, an SMTP server.

PostgreSQL and Redis are expected at FIC_TEST_POSTGRES_URL / FIC_TEST_REDIS_URL (defaults:
the local servers `.ci/run` starts). A test that needs them fails loudly when they are down.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from fic import create_app, dispatch
from fic.settings import Settings
from tests import staff_flows
from tests.mail import MailCatcher
from tests.tasks import TaskRuns

POSTGRES_URL = os.environ.get(
    "FIC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TEST_KEYS = "t1:" + "A" * 43 + "="  # 32 zero-ish bytes, base64; a test key, never a real one


def pytest_configure(config: pytest.Config) -> None:
    """The gettext catalogues as `pybabel compile` builds them (scripts/test does it too)."""
    from fic.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def stop_clocks() -> Iterator[None]:
    """A clock a test froze (tests.staff_flows.install_clock) never outlives the test."""
    yield
    staff_flows.stop_clocks()


@pytest.fixture
def frozen_clock() -> Iterator[time_machine.Traveller]:
    """The one clock stands still (from the real now) unless the test moves it, so code that
    takes max(now, clock.now()) sees exactly the `now` the test passed, however slow the
    machine."""
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def task_runs() -> Iterator[TaskRuns]:
    """The Celery tasks that run in this process during the test (tests/tasks.py)."""
    runs = TaskRuns()
    runs.connect()
    yield runs
    runs.disconnect()


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own on the local server, dropped at the end of the run."""
    name = f"fic_test_{os.getpid()}"
    admin = make_url(POSTGRES_URL)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The test database with an empty public schema."""
    dsn = make_url(postgres_database).set(drivername="postgresql")
    with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return postgres_database


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def make_settings(instance: Path, mail: MailCatcher | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "instance_path": instance,
        "secret_key": "test-secret-" + uuid.uuid4().hex,
        "data_keys": TEST_KEYS,
        "base_url": "http://localhost",
    }
    if mail is not None:
        values.update(smtp_host="127.0.0.1", smtp_port=mail.port, smtp_timeout=5.0)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fic.db'}"
    return request.getfixturevalue("postgres_url")


class JobsDoneClient(FlaskClient):
    """A test client whose requests return once the jobs they queued have run: embedded mode
    runs them on a background thread (fic.dispatch), never inside the request."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        assert dispatch.dispatcher(self.application).wait(60), "queued jobs still running"
        return response


# Every app a test makes (a test that needs the client's own view sets FlaskClient back).
Flask.test_client_class = JobsDoneClient


@pytest.fixture
def app(tmp_path: Path, mail: MailCatcher, database_url: str):
    """Embedded mode (jobs in-process) on SQLite and on PostgreSQL."""
    flask_app = create_app(make_settings(tmp_path / "instance", mail, database_url=database_url))
    flask_app.extensions["fic"].db.upgrade()
    yield flask_app
    flask_app.extensions["fic"].db.dispose()


@pytest.fixture
def worker_app(tmp_path: Path, mail: MailCatcher, postgres_url: str, redis_url: str):
    """Production mode: PostgreSQL, Redis as the broker; start a worker with start_worker."""
    flask_app = create_app(make_settings(tmp_path / "instance", mail,
                                         database_url=postgres_url, redis_url=redis_url))
    flask_app.extensions["fic"].db.upgrade()
    flask_app.extensions["celery"].loader.import_default_modules()
    yield flask_app
    flask_app.extensions["fic"].db.dispose()


@pytest.fixture
def sqlite_app(tmp_path: Path, mail: MailCatcher):
    flask_app = create_app(make_settings(tmp_path / "instance", mail))
    flask_app.extensions["fic"].db.upgrade()
    yield flask_app
    flask_app.extensions["fic"].db.dispose()
