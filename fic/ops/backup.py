"""A consistent copy of an install, and putting one back.

A backup folder holds the database (SQLite's online backup API, or `pg_dump --format=custom`
inside the same REPEATABLE READ snapshot the row counts were taken in), the instance files
an operator installed (policies, instruments, logos), and `manifest.json`: versions, the
schema revision, checksums, row counts and the ids (never the values) of the keys the data
is sealed under. The keys themselves are left out unless asked for: a backup with its keys
is the clinic's health data in the clear for whoever holds it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump/pg_restore, argument lists only, no shell
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, make_url

from fic.crypto import KeyRing
from fic.errors import FicError
from fic.services.core import audit
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Client, utcnow

FORMAT = 1
MANIFEST = "manifest.json"
# Never copied from the instance folder: keys (asked for separately), the database, state.
_NOT_INSTANCE_FILES = ("keys.json", "fic.db", "celerybeat-schedule")


class BackupError(FicError):
    """A backup or restore that cannot go ahead; nothing was changed."""


@dataclass(frozen=True)
class Restored:
    tables: dict[str, int]
    missing_key_ids: list[str]
    revision: list[str]


def backup(db: Database, settings: Settings, keys: KeyRing, out: Path,
           include_keys: bool = False) -> dict[str, Any]:
    """Write a backup into OUT (new or empty); return its manifest."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; choose a new folder for each backup")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(out, 0o700)
    audit.write(db, "backup_made", object_type="backup", outcome="keys" if include_keys else "ok")
    if db.is_sqlite:
        dump, counts, revision, kids = _sqlite_dump(db, out / "fic.db")
    else:
        dump, counts, revision, kids = _postgres_dump(db, out / "fic.pgdump")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "fic_version": version("fic"),
        "created_at": utcnow().isoformat(),
        "database": "sqlite" if db.is_sqlite else "postgresql",
        "schema_revision": revision,
        "dump": {"file": dump.name, "sha256": _sha256(dump), "bytes": dump.stat().st_size},
        "tables": counts,
        "key_ids_in_use": sorted(kids | {keys.current}),
        "instance_files": _copy_instance(settings.instance_path, out / "instance"),
        "keys_included": include_keys,
    }
    if include_keys:
        _write_private(out / "keys.json", json.dumps(
            {"secret_key": settings.secret_key, "data_keys": settings.data_keys}))
    _write_private(out / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def restore(db: Database, settings: Settings, keys: KeyRing, source: Path,
            replace: bool = False) -> Restored:
    """Put the backup in SOURCE into this install's (empty) database and instance folder."""
    manifest = read_manifest(source)
    dump = source / str(manifest["dump"]["file"])
    if _sha256(dump) != manifest["dump"]["sha256"]:
        raise BackupError(f"{dump.name} does not match its checksum; the backup is damaged")
    kind = "sqlite" if db.is_sqlite else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"this backup is of a {manifest['database']} database; "
                          f"this install uses {kind}")
    if not replace and _holds_data(db):
        raise BackupError("this install's database already holds fic data; restore into a "
                          "fresh install (or pass --replace to overwrite it)")
    db.dispose()
    if db.is_sqlite:
        _sqlite_restore(db, dump)
    else:
        _pg(["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists",
             "--single-transaction", "--exit-on-error"], db.url, str(dump))
    db.upgrade()
    _restore_instance(source / "instance", settings.instance_path)
    audit.write(db, "database_restored", object_type="backup")
    with db.engine.connect() as connection:
        tables = _counts(connection)
        kids = _key_ids(connection)
        revision = _revision(connection)
    return Restored(tables, sorted(kids - set(keys.key_ids)), revision)


def read_manifest(source: Path) -> dict:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} holds no {MANIFEST}; is it a fic backup folder?")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _sqlite_dump(db: Database, target: Path) -> tuple[Path, dict[str, int], list[str], set[str]]:
    source = sqlite3.connect(_sqlite_path(db))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the online backup API: a consistent copy while others write
    finally:
        source.close()
        copy.close()
    os.chmod(target, 0o600)
    copied = Database(f"sqlite:///{target}")
    try:
        with copied.engine.connect() as connection:
            return target, _counts(connection), _revision(connection), _key_ids(connection)
    finally:
        copied.dispose()


def _postgres_dump(db: Database, target: Path) -> tuple[Path, dict[str, int], list[str], set[str]]:
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            counts, revision = _counts(connection), _revision(connection)
            kids = _key_ids(connection)
            _pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", f"--file={target}"], db.url)
    os.chmod(target, 0o600)
    return target, counts, revision, kids


def _sqlite_restore(db: Database, dump: Path) -> None:
    source = sqlite3.connect(dump)
    target = sqlite3.connect(_sqlite_path(db))
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _pg(args: list[str], url: str, *more: str) -> None:
    """Run a PostgreSQL client tool; the password goes in the environment, never in argv."""
    parsed = make_url(url)
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string()
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(f"{args[0]} is not installed (Debian: postgresql-client)")
    done = subprocess.run([tool, *args[1:], f"--dbname={dsn}", *more], env=env,  # noqa: S603
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{args[0]} failed: {last}")


def _counts(connection: Connection) -> dict[str, int]:
    names = sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})
    # table names come from the database's own catalogue, quoted
    return {name: int(connection.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0)  # noqa: S608
            for name in names}


def _revision(connection: Connection) -> list[str]:
    if "alembic_version" not in inspect(connection).get_table_names():
        return []
    return sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))


def _key_ids(connection: Connection) -> set[str]:
    if "client" not in inspect(connection).get_table_names():
        return set()
    rows = connection.scalars(select(Client.dek_kid).where(Client.dek_kid.is_not(None))
                              .distinct())
    return {kid for kid in rows if kid}


def _holds_data(db: Database) -> bool:
    with db.engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        return any(connection.scalar(text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608
                   for name in ("clinic", "audit_event") if name in present)


def _copy_instance(instance: Path, target: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    if not instance.is_dir():
        return files
    for path in sorted(p for p in instance.rglob("*") if p.is_file()):
        relative = path.relative_to(instance)
        if relative.parts[0].startswith(_NOT_INSTANCE_FILES):
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)
        files[str(relative)] = _sha256(path)
    return files


def _restore_instance(source: Path, instance: Path) -> None:
    if not source.is_dir():
        return
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        destination = instance / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def _sqlite_path(db: Database) -> str:
    return db.url.removeprefix("sqlite:///")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_private(path: Path, content: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(content)
