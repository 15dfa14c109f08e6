"""Engine, sessions and schema upgrades for one database URL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from fic.errors import StorageUnavailable

T = TypeVar("T")
_MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error.

        A database that does not answer (restarting, unreachable, SQLite locked) raises
        StorageUnavailable, so callers can ask the client or the task to try again.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except (OperationalError, InterfaceError, PoolTimeout) as error:
            raise StorageUnavailable("the database did not answer") from error

    def patiently(self, work: Callable[[Session], T], patience: float = 30.0) -> T:
        """Run `work` in one unit of work, trying again while the database is away.

        For writes that record something already done outside (a message the provider
        accepted): giving up at once would leave it to be done twice.
        """
        deadline = time.monotonic() + patience
        while True:
            try:
                with self.session() as session:
                    return work(session)
            except StorageUnavailable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.5)

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration of every branch."""
        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
