"""Submission-to-alert latency with a real worker, Redis, PostgreSQL and a local SMTP server.

Submits N forms at a steady rate (default 20 per second), each with a comment in risk
language so each raises an urgent alert at once (S1: clinician and supervisor). For every
alert, the time from its POST returning to the SMTP server accepting the email is
measured; p50 and p95 are printed for the first and for the last of the alert's emails.
Target: p95 under 1 s at 20 submissions per second.

    .venv/bin/python bench/alert_latency.py [--n 200] [--rate 20] [--concurrency 4]

Needs PostgreSQL and Redis (FIC_BENCH_POSTGRES_URL, FIC_BENCH_REDIS_URL; defaults: the
local servers, Redis database 12). The web side runs in this process (Flask test clients
in threads); the worker is a real `celery -A tasks.worker worker` process.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fic import create_app  # noqa: E402
from fic.crypto import sha256_hex  # noqa: E402
from fic.settings import Settings  # noqa: E402
from fic.storage.models import Alert, FeedbackLink, Response, utcnow  # noqa: E402
from tests.delivery.procs import free_port  # noqa: E402
from tests.flows import answers, csrf_token, new_session, path_of, set_up_clinic  # noqa: E402

POSTGRES = os.environ.get(
    "FIC_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS = os.environ.get("FIC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
KEYS = "b1:" + "B" * 43 + "="
COMMENT = "some days I want to end my life"
ALERT_ID = re.compile(r"Alert: ([0-9a-f-]{36})")


class Inbox:
    """aiosmtpd handler that notes when each alert's emails were accepted."""

    def __init__(self) -> None:
        self.accepted: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        now = time.monotonic()
        found = ALERT_ID.search(envelope.content.decode(errors="replace"))
        if found:
            with self.lock:
                self.accepted.setdefault(found.group(1), []).append(now)
        return "250 OK"


def fresh_database() -> str:
    admin = make_url(POSTGRES)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "fic_bench" WITH (FORCE)')
        conn.execute('CREATE DATABASE "fic_bench"')
    return admin.set(database="fic_bench").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=20, help="forms sent first, not counted")
    args = parser.parse_args()

    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    database = fresh_database()
    redis.Redis.from_url(REDIS).flushdb()
    instance = Path(tempfile.mkdtemp(prefix="fic-bench-"))
    env = {
        "FIC_INSTANCE_PATH": str(instance), "FIC_DATABASE_URL": database, "FIC_REDIS_URL": REDIS,
        "FIC_SECRET_KEY": "bench-secret", "FIC_DATA_KEYS": KEYS,
        "FIC_BASE_URL": "http://localhost",
        "FIC_SMTP_HOST": "127.0.0.1", "FIC_SMTP_PORT": str(smtp_port),
    }
    app = create_app(Settings(**{k.removeprefix("FIC_").lower(): v for k, v in env.items()}))
    db = app.extensions["fic"].db
    db.upgrade()
    clinic = set_up_clinic(app)
    api = app.test_client()
    held = utcnow() - timedelta(hours=1)
    urls = [new_session(api, clinic, f"BENCH-{i}", held)["feedback_url"]
            for i in range(args.n + args.warmup)]
    warmup, urls = urls[: args.warmup], urls[args.warmup :]
    log = instance / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker",
             "--loglevel=INFO", f"--concurrency={args.concurrency}", "--without-mingle",
             "--without-gossip"],
            cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(log)
        if warmup:  # every pool process opens its connections before the clock runs
            submit_all(app, warmup, args.rate / 4)
            time.sleep(2)
        returned = submit_all(app, urls, args.rate)
        expected = 2 * (args.n + args.warmup)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with inbox.lock:
                if sum(len(v) for v in inbox.accepted.values()) >= expected:
                    break
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(30)
        smtp.stop()
    report(db, returned, inbox, args)
    if os.environ.get("FIC_BENCH_KEEP_LOG"):
        print(f"worker log: {log}")
    db.dispose()


def wait_ready(log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "ready." in log.read_text(errors="replace"):
            time.sleep(1)  # every pool process up, not just the first
            return
        time.sleep(0.1)
    raise SystemExit("the worker did not start:\n" + log.read_text(errors="replace"))


def submit_all(app, urls: list[str], rate: float) -> dict[str, float]:
    """POST every form on schedule; returns session path -> time the POST returned."""
    returned: dict[str, float] = {}
    start = time.monotonic() + 0.5

    def one(index: int, url: str) -> None:
        client = app.test_client()
        page = client.get(path_of(url))
        data = {"csrf_token": csrf_token(page.get_data(as_text=True)),
                **answers(9.5, comment=COMMENT)}
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        answer = client.post(path_of(url), data=data)
        assert answer.status_code == 303, answer.status_code  # noqa: S101 - a benchmark check
        returned[url] = time.monotonic()

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(one, range(len(urls)), urls))
    elapsed = max(returned.values()) - start
    print(f"submitted {len(urls)} forms in {elapsed:.1f} s ({len(urls) / elapsed:.1f}/s)")
    return returned


def report(db, returned: dict[str, float], inbox: Inbox, args) -> None:
    with db.session() as session:
        rows = session.execute(
            select(Alert.id, FeedbackLink.token_hash)
            .join(Response, Response.id == Alert.response_id)
            .join(FeedbackLink, FeedbackLink.id == Response.link_id)
            .where(Alert.level == "urgent")
        ).all()
    by_hash = {sha256_hex_of(url): t for url, t in returned.items()}
    first, last, missing = [], [], 0
    rows = sorted((r for r in rows if r.token_hash in by_hash), key=lambda r: by_hash[r.token_hash])
    for alert_id, token_hash in rows:
        times = sorted(inbox.accepted.get(str(alert_id), []))
        if len(times) < 2 or token_hash not in by_hash:
            missing += 1
            continue
        first.append(times[0] - by_hash[token_hash])
        last.append(times[-1] - by_hash[token_hash])
    duplicates = sum(max(0, len(v) - 2) for v in inbox.accepted.values())
    print(f"alerts: {len(rows)} of {args.n}; delivered both emails: {len(last)}; "
          f"missing: {missing}; duplicates: {duplicates}")
    for name, values in (("first email", first), ("both emails", last)):
        if values:
            q = statistics.quantiles(values, n=100)
            print(f"{name}: p50 {statistics.median(values) * 1000:.0f} ms, "
                  f"p95 {q[94] * 1000:.0f} ms, max {max(values) * 1000:.0f} ms")
    if last:
        tenth = max(1, len(last) // 10)
        trend = [statistics.median(last[i:i + tenth]) * 1000 for i in range(0, len(last), tenth)]
        print("median by tenth of the run (ms):", " ".join(f"{t:.0f}" for t in trend))


def sha256_hex_of(url: str) -> str:
    return sha256_hex(url.rsplit("/", 1)[1])


if __name__ == "__main__":
    main()
