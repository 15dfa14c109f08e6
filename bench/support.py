"""What the benchmarks share: servers and databases of their own, removed afterwards.

Every benchmark creates uniquely named PostgreSQL databases and drops only those, starts
its own redis-server on a free port (never touching a shared Redis), and stops every
process it started by its id.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import insert
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get(
    "FIC_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATA_KEYS = "b1:" + base64.b64encode(b"B" * 32).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def own_database(label: str) -> Iterator[str]:
    """A new, uniquely named PostgreSQL database; dropped (only it) on the way out."""
    admin = make_url(POSTGRES)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"fic_bench_{label}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def own_redis(folder: Path) -> Iterator[str]:
    """A private redis-server on a free port, no persistence; stopped by its pid."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def wait_for_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own 127.0.0.1 server
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def gunicorn(app: str, port: int, env: dict[str, str], workers: int, log: Path
             ) -> subprocess.Popen:
    """gunicorn with sync workers, the way the issue's figures were taken."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync",
             "-b", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", app],
            cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that are alive (gunicorn's workers)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for one in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def database_cpu_seconds(url: str) -> float:
    """User + system CPU of the PostgreSQL backends serving this database (those alive)."""
    name = make_url(url).database or ""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres: ") or f" {name} " not in title:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def fic_env(instance: Path, database: str, redis_url: str | None, smtp_port: int = 1) -> dict:
    env = {
        "FIC_INSTANCE_PATH": str(instance), "FIC_DATABASE_URL": database,
        "FIC_SECRET_KEY": "bench-secret-" + secrets.token_hex(8), "FIC_DATA_KEYS": DATA_KEYS,
        "FIC_BASE_URL": "http://127.0.0.1", "FIC_SMTP_HOST": "127.0.0.1",
        "FIC_SMTP_PORT": str(smtp_port),
    }
    if redis_url:
        env["FIC_REDIS_URL"] = redis_url
    return env


def seed_links(app, count: int, clients: int = 200, comment_keys: bool = True) -> list[str]:
    """A clinic, its staff and `count` sessions each with one live link; returns the tokens.

    Rows are inserted in bulk (the benchmark measures answering forms, not issuing links).
    """
    from fic.crypto import new_token, sha256_hex
    from fic.services.clinic import clinics
    from fic.storage.models import Client, FeedbackLink, TherapySession, utcnow
    from fic.storage.repository import client_key_owner

    svc = app.extensions["fic"]
    with svc.db.session() as session:
        clinic = clinics.create_clinic(session, "Bench Clinic " + secrets.token_hex(3))
        supervisor = clinics.add_staff(session, clinic, f"sup-{clinic.id}@bench.test",
                                       "supervisor")
        session.flush()
        clinician = clinics.add_staff(session, clinic, f"doc-{clinic.id}@bench.test",
                                      "clinician", supervisor.email)
        session.flush()
        clinic_id, clinician_id = clinic.id, clinician.id
    now = utcnow()
    client_rows, session_rows, link_rows, tokens = [], [], [], []
    for i in range(clients):
        row = {"id": uuid.uuid4(), "clinic_id": clinic_id, "client_ref": f"B-{i}",
               "clinician_id": clinician_id, "created_at": now}
        if comment_keys:
            wrapped = svc.keys.new_data_key(client_key_owner(row["id"]))
            row.update(dek_kid=wrapped.kid, dek_wrapped=wrapped.blob)
        client_rows.append(row)
    for i in range(count):
        session_id = uuid.uuid4()
        held = now - timedelta(days=30) + timedelta(seconds=i)
        session_rows.append({"id": session_id, "client_id": client_rows[i % clients]["id"],
                             "clinician_id": clinician_id, "held_at": held, "created_at": held})
        token = new_token()
        tokens.append(token)
        link_rows.append({"id": uuid.uuid4(), "session_id": session_id,
                          "token_hash": sha256_hex(token), "channel": "api",
                          "expires_at": now + timedelta(days=4), "created_at": now})
    with svc.db.session() as session:
        session.execute(insert(Client), client_rows)
        for start in range(0, count, 5000):
            session.execute(insert(TherapySession), session_rows[start:start + 5000])
            session.execute(insert(FeedbackLink), link_rows[start:start + 5000])
    return tokens


def form_tokens(app, port: int, tokens: list[str]) -> dict[str, str]:
    """Each link's form token (the CSRF field its page carries), made as fic makes it; the
    first link's page is opened like a phone would, to check that its token is the same
    and that the form needs no cookie."""
    from fic.web import csrf

    with app.test_request_context():
        made = {token: csrf.form_token(token) for token in tokens}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/f/{tokens[0]}") as page:  # noqa: S310
        html = page.read().decode()
        if page.headers.get("Set-Cookie"):
            raise SystemExit("the fic form set a cookie: the benchmark's posts carry none")
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if match is None or match.group(1) != made[tokens[0]]:
        raise SystemExit("the fic form's token is not the one the benchmark made")
    return made
