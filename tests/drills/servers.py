"""Servers a drill owns and breaks: a PostgreSQL cluster, a persistent Redis, an SMTP server
that can refuse for a while. Each on a free local port, in a folder of its own."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller

from tests.delivery.procs import free_port

_ALERT = re.compile(r"Alert: ([0-9a-f-]{36})")


def _pg_bin(tool: str) -> str:
    bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                            check=True).stdout.strip()
    return str(Path(bindir) / tool)


class PostgresCluster:
    """`initdb` + `pg_ctl` in a temp folder (as the postgres user when we are root)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="fic-drill-pg-"))
        self.data, self.port = self.folder / "data", free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync", "--no-instructions")

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False,
                              cwd=self.folder)
        assert done.returncode == 0, done.stdout + done.stderr

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                   "-c max_connections=200 -c fsync=on")
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                  "-o", options, "-w", "-t", "60", "start")

    def restart(self) -> None:
        """A fast restart: every connection is cut, committed data stays."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60",
                  "stop")
        self.start()

    def create_database(self, name: str) -> str:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        if self.data.exists():
            command = [_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
            if self.as_root:
                command = ["runuser", "-u", "postgres", "--", *command]
            subprocess.run(command, capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


class PersistentRedis:
    """redis-server with an append-only file, as in production: a restart keeps the queue."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
            finally:
                client.close()
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: redis writes its AOF and exits
            self.process.wait(15)
            self.process = None

    def flush(self) -> None:
        client = redis.Redis.from_url(self.url)
        client.flushall()
        client.close()


class DrillSmtp:
    """A real SMTP server that can refuse every message (451) until a moment passes."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.messages: list = []
        self.refused = 0
        self.refuse_until = 0.0
        smtp = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802
                await asyncio.sleep(0)
                with smtp.lock:
                    if time.monotonic() < smtp.refuse_until:
                        smtp.refused += 1
                        return "451 4.3.0 try again later"
                    smtp.messages.append(message_from_bytes(envelope.content,
                                                            policy=policy.default))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def refuse_for(self, seconds: float) -> None:
        self.refuse_until = time.monotonic() + seconds

    def alert_mail(self) -> list[tuple[str, str, str]]:
        """(recipient, alert id, Message-ID) of every alert email received, repeats included."""
        with self.lock:
            found = []
            for message in self.messages:
                text = "\n".join(str(part.get_content()) for part in message.walk()
                                 if part.get_content_maintype() == "text")
                match = _ALERT.search(text)
                if match:
                    found.append((str(message["To"]), match.group(1),
                                  str(message["Message-ID"])))
            return found
