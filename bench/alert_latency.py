"""Submission-to-alert latency: a real gunicorn, a real worker, Redis, PostgreSQL and SMTP.

Forms are posted to a gunicorn server (2 sync workers) at fixed offered rates (open loop,
default 20, 50 and 100 forms per second), each with a comment in risk language, so each
raises an urgent alert (S1) whose emails go to the clinician and the supervisor. A Celery
worker with 4 processes evaluates and notifies. For every alert the table gives the time
from its POST returning to the SMTP server accepting the first and the second email, and
checks exactly once: every alert, both recipients, no duplicates. Targets (issue 15):
both emails accepted, p95 under 100 ms at 20 forms/s and under 250 ms at 50 forms/s.

    .venv/bin/python bench/alert_latency.py [--rates 20,50,100] [--duration 10]

The SMTP server (aiosmtpd) and the load generator share one asyncio loop in this process.
PostgreSQL: FIC_BENCH_POSTGRES_URL (default the local server); the benchmark creates its
own database and its own redis-server on a free port, and removes only those.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.smtp import SMTP  # noqa: E402

from bench import support  # noqa: E402

COMMENT = "some days I want to end my life"
ANSWERS = {"safety": "9.5", "heard": "9.5", "goals": "9.5", "approach": "9.5",
           "tension": "none", "comment": COMMENT}
ALERT_ID = re.compile(rb"Alert: ([0-9a-f-]{36})")


class Inbox:
    """aiosmtpd handler: when each alert's emails were accepted, and to whom."""

    def __init__(self) -> None:
        self.accepted: dict[str, list[tuple[float, str]]] = {}
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        now = time.monotonic()
        found = ALERT_ID.search(envelope.content)
        if found:
            for rcpt in envelope.rcpt_tos:
                self.accepted.setdefault(found.group(1).decode(), []).append((now, rcpt))
                self.count += 1
        return "250 OK"


class Poster:
    """Open-loop HTTP/1.1 client: each form on its own connection, as a phone would."""

    def __init__(self, port: int, form_tokens: dict[str, str]) -> None:
        self.port, self.form_tokens = port, form_tokens

    async def post(self, token: str) -> tuple[int, float]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        body = urllib.parse.urlencode({"csrf_token": self.form_tokens[token], **ANSWERS})
        head = (f"POST /f/{token} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        writer.write((head + body).encode())
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        returned = time.monotonic()
        writer.close()
        return status, returned


async def offer(poster: Poster, tokens: list[str], rate: float) -> dict[str, float]:
    """POST every token on its schedule, never waiting for earlier ones."""
    start = time.monotonic() + 0.2
    returned: dict[str, float] = {}
    failures = 0

    sent_at: list[float] = []

    async def one(index: int, token: str) -> None:
        nonlocal failures
        await asyncio.sleep(max(0.0, start + index / rate - time.monotonic()))
        sent_at.append(time.monotonic())
        status, at = await poster.post(token)
        if status == 303:
            returned[token] = at
        else:
            failures += 1

    await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))
    if len(sent_at) > 1:  # the load generator keeps up: the rate it really offered
        print(f"  offered {rate:.0f} forms/s, achieved "
              f"{(len(sent_at) - 1) / (max(sent_at) - min(sent_at)):.1f}", flush=True)
    if failures:
        print(f"  {failures} POSTs were not thanked", flush=True)
    return returned


async def wait_for_mail(inbox: Inbox, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while inbox.count < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def drive(args, port: int, smtp_port: int, form_tokens: dict[str, str],
                batches: dict[str, list[str]], inbox: Inbox) -> dict[str, dict[str, float]]:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(inbox, hostname="bench"), "127.0.0.1",
                                      smtp_port)
    poster = Poster(port, form_tokens)
    returned: dict[str, dict[str, float]] = {}
    try:
        for name, tokens in batches.items():
            rate = 5.0 if name == "warm-up" else float(name)
            returned[name] = await offer(poster, tokens, rate)
            expected = 2 * sum(len(b) for b in list(batches.values())[
                :list(batches).index(name) + 1])
            await wait_for_mail(inbox, expected, args.drain_timeout)
            await asyncio.sleep(0.5)  # a duplicate would show up here
    finally:
        server.close()
    return returned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="20,50,100")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per rate")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    work = Path(tempfile.mkdtemp(prefix="fic-bench-alerts-"))
    try:
        with support.own_database("alerts") as database, support.own_redis(work) as redis_url:
            figures = run(args, rates, work, database, redis_url)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(figures, args)


def run(args, rates: list[int], work: Path, database: str, redis_url: str) -> list[dict]:
    from fic import create_app
    from fic.settings import Settings

    smtp_port = support.free_port()
    env = support.fic_env(work / "instance", database, redis_url, smtp_port)
    app = create_app(Settings(**{k.removeprefix("FIC_").lower(): v for k, v in env.items()}))
    db = app.extensions["fic"].db
    db.upgrade()
    sizes = {"warm-up": 20, **{str(r): int(r * args.duration) for r in rates}}
    tokens = support.seed_links(app, sum(sizes.values()) + 1, clients=sum(sizes.values()))
    batches, at = {}, 1
    for name, size in sizes.items():
        batches[name], at = tokens[at:at + size], at + size
    port = support.free_port()
    web = support.gunicorn("fic:create_app()", port, env, args.web_workers, work / "web.log")
    log = work / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "-Q", "celery",
             "--loglevel=" + ("INFO" if os.environ.get("FIC_BENCH_SHOW_LOGS") else "WARNING"),
             f"--concurrency={args.concurrency}", "--without-mingle",
             "--without-gossip"],
            cwd=support.ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    inbox = Inbox()
    try:
        support.wait_for_http(f"http://127.0.0.1:{port}/f/x")
        form_tokens = support.form_tokens(app, port, tokens)
        returned = asyncio.run(drive(args, port, smtp_port, form_tokens, batches, inbox))
    finally:
        support.stop(worker)
        support.stop(web)
    figures = summarize(db, rates, returned, inbox)
    db.dispose()
    if os.environ.get("FIC_BENCH_SHOW_LOGS"):
        print(log.read_text(errors="replace")[-6000:])
    return figures


def summarize(db, rates: list[int], returned: dict[str, dict[str, float]], inbox: Inbox
              ) -> list[dict]:
    from sqlalchemy import select

    from fic.crypto import sha256_hex
    from fic.storage.models import Alert, FeedbackLink, Response

    with db.session() as session:
        by_hash = dict(session.execute(
            select(FeedbackLink.token_hash, Alert.id)
            .join(Response, Response.link_id == FeedbackLink.id)
            .join(Alert, Alert.response_id == Response.id)
            .where(Alert.level == "urgent")
        ).all())
    figures = []
    for rate in rates:
        sent = returned[str(rate)]
        first, both, missing, duplicates = [], [], 0, 0
        for token, at in sent.items():
            alert_id = by_hash.get(sha256_hex(token))
            mails = sorted(inbox.accepted.get(str(alert_id), [])) if alert_id else []
            recipients = {rcpt for _, rcpt in mails}
            duplicates += len(mails) - len(recipients)
            if alert_id is None or len(recipients) < 2:
                missing += 1
                continue
            first.append(mails[0][0] - at)
            both.append(max(t for t, _ in mails) - at)
        figures.append({"rate": rate, "forms": len(sent), "first": first, "both": both,
                        "missing": missing, "duplicates": duplicates})
    return figures


def print_table(figures: list[dict], args) -> None:
    def ms(values: list[float], q: int) -> str:
        if len(values) < 2:
            return "-"
        return f"{statistics.quantiles(values, n=100)[q - 1] * 1000:.0f}"

    print(f"\nPOST returned -> SMTP accepted, gunicorn -w {args.web_workers}, celery worker "
          f"-c {args.concurrency}, PostgreSQL + Redis, {args.duration:.0f} s per rate")
    print("| forms/s | forms | alerts both emails | missing | duplicates | first p50 | "
          "both p50 | both p95 | both p99 | target p95 |")
    print("|---------|-------|--------------------|---------|------------|-----------|"
          "----------|----------|----------|------------|")
    targets = {20: "< 100 ms", 50: "< 250 ms"}
    for f in figures:
        print(f"| {f['rate']:>7} | {f['forms']:>5} | {len(f['both']):>18} | {f['missing']:>7} "
              f"| {f['duplicates']:>10} | {ms(f['first'], 50):>9} | {ms(f['both'], 50):>8} "
              f"| {ms(f['both'], 95):>8} | {ms(f['both'], 99):>8} | "
              f"{targets.get(f['rate'], ''):<10} |")
    print("(latencies in ms; exactly once = every alert, both recipients, no duplicates)")


if __name__ == "__main__":
    main()
