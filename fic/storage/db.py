"""Engine, sessions and schema upgrades for one database URL."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Connection, Table, create_engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from fic.errors import StorageUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

    from fic.storage.models import Base

T = TypeVar("T")

_MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    def __init__(self, url: str, info: dict[str, object] | None = None) -> None:
        """`info` is handed to every session (the audit trail finds its keys there)."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                _private_file(Path(path))
            self.engine = create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            # No pre-ping (a round trip on every checkout): a connection the server closed
            # shows as a readable idle socket and is replaced before use (_alive); old ones
            # are recycled; the form path retries once on a connection that died in use.
            self.engine = create_engine(url, pool_recycle=1800, hide_parameters=True)
            event.listen(self.engine, "checkout", _alive)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info or {})
        self._before_dispose: list[Callable[[], object]] = []

    @contextmanager
    def session(self, single_statement: bool = False) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error.

        `single_statement`: the work is one statement, or reads only. On PostgreSQL it
        then runs without BEGIN and COMMIT (each statement is atomic and commits by itself),
        which saves two round trips; SQLite keeps an ordinary transaction.
        A database that does not answer (restarting, unreachable, SQLite locked) raises
        StorageUnavailable, so callers can ask the client or the task to try again.
        """
        try:
            if single_statement and not self.is_sqlite:
                with self.engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT")
                    with self._sessions(bind=connection) as session, session.begin():
                        yield session
            else:
                with self._sessions() as session, session.begin():
                    yield session
        except (OperationalError, InterfaceError, PoolTimeout) as error:
            raise StorageUnavailable("the database did not answer") from error

    @contextmanager
    def connection(self, reuse: Connection | None = None) -> Iterator[Connection]:
        """Core work without the ORM: a connection in autocommit on PostgreSQL (for ONE
        statement, or reads), in one transaction on SQLite. Errors as in `session`.

        `reuse`: a connection from `shared_connection`, used as it is (not closed here)."""
        try:
            if reuse is not None:
                yield reuse
                return
            with self.engine.connect() as connection:
                if not self.is_sqlite:
                    connection.execution_options(isolation_level="AUTOCOMMIT")
                    yield connection
                else:
                    with connection.begin():
                        yield connection
        except (OperationalError, InterfaceError, PoolTimeout) as error:
            raise StorageUnavailable("the database did not answer") from error

    @contextmanager
    def shared_connection(self) -> Iterator[Connection | None]:
        """For a request that reads, then writes in one statement (the form's POST): on
        PostgreSQL one pooled connection in autocommit for both, one checkout instead of
        two. None on SQLite, where the read and the write keep transactions of their own,
        and when no connection can be had now: each `connection(reuse=None)` then opens
        its own and reports a database that does not answer."""
        if self.is_sqlite:
            yield None
            return
        try:
            connection = self.engine.connect()
            connection.execution_options(isolation_level="AUTOCOMMIT")
        except (OperationalError, InterfaceError, PoolTimeout):
            yield None
            return
        with connection:
            yield connection

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
        from alembic import command  # Alembic is for upgrades only, not every process

        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")

    def before_dispose(self, hook: Callable[[], object]) -> None:
        """Run `hook` before the pool closes (a background user finishing its work)."""
        self._before_dispose.append(hook)

    def dispose(self) -> None:
        for hook in self._before_dispose:
            hook()
        self.engine.dispose()


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _private_file(path: Path) -> None:
    """The embedded database is readable by its owner only (SQLite's -wal and -shm files
    take the database file's mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _alive(dbapi_connection: object, _record: object, _proxy: object) -> None:
    """Refuse a pooled connection whose server side has gone, without a round trip.

    An idle connection has nothing to read; if its socket is readable, the server closed
    it (restart, idle timeout, pg_terminate_backend) and said so. The pool then opens a
    fresh one (SQLAlchemy retries the checkout on DisconnectionError).
    """
    if getattr(dbapi_connection, "closed", False):
        raise exc.DisconnectionError("connection closed")
    fileno = getattr(getattr(dbapi_connection, "pgconn", None), "socket", None)
    if fileno is None:
        return
    try:
        readable, _, _ = select.select([fileno], [], [], 0)
    except (OSError, ValueError):
        raise exc.DisconnectionError("connection socket unusable") from None
    if readable:
        raise exc.DisconnectionError("server closed the connection")


def upsert(session: Session) -> Any:
    """The dialect's INSERT with ON CONFLICT (PostgreSQL and SQLite spell it alike)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def table(model: type[Base]) -> Table:
    """A mapped class's table, for Core statements that skip the ORM's unit of work."""
    return cast(Table, model.__table__)


def first_row(connection: Connection, statement: str, parameters: dict[str, Any]
              ) -> tuple[Any, ...] | None:
    """The first row of ONE statement, sent straight to the driver of a PostgreSQL
    connection: for the form POST's two statements, where SQLAlchemy's execution context
    and result objects cost some 40 µs each, as much as psycopg's own work.

    `statement` is SQL compiled for this dialect (parameters as `%(name)s`), `parameters`
    what the driver takes as it is (no SQLAlchemy type processing: aware datetimes, JSON
    already a string). The engine's cursor events fire as for `Connection.execute` (the
    statement counts see it), and a driver error becomes SQLAlchemy's own exception the way
    `Connection.execute` makes it, a dropped connection invalidated with the pool.

    Each pooled connection keeps one cursor for these statements (a new psycopg cursor
    costs ~15 µs); the pool forgets it with the connection."""
    events = connection._has_events or connection.engine._has_events  # noqa: SLF001
    pooled = connection.connection
    driver = pooled.driver_connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.closed or cursor.connection is not driver:
        cursor = pooled.info[_CURSOR] = driver.cursor()  # type: ignore[union-attr]
    try:
        if events:
            for fn in connection.dispatch.before_cursor_execute:
                statement, parameters = fn(connection, cursor, statement, parameters, None,
                                           False)
        cursor.execute(statement, parameters)
        if events:
            connection.dispatch.after_cursor_execute(connection, cursor, statement,
                                                     parameters, None, False)
        row = cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - rewrapped exactly as SQLAlchemy does
        connection._handle_dbapi_exception(  # noqa: SLF001
            error, statement, parameters, cursor, None)
    return None if row is None else tuple(row)


_CURSOR = "fic.first_row.cursor"
