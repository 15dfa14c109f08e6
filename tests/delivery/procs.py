"""Real processes a failure test controls: a Redis server of its own, celery workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """`redis-server` on its own port, without persistence, that a test stops and starts."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir = free_port(), workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
            finally:
                client.close()
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


class Worker:
    """`celery -A tasks.worker worker --pool=solo` as its own process, logs to a file."""

    def __init__(self, env: dict[str, str], log: Path, beat: bool = False,
                 extra: tuple[str, ...] = ()) -> None:
        args = [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool=solo",
                "--loglevel=INFO", "--without-mingle", "--without-gossip", *extra]
        if beat:
            args += ["-B", "-s", str(log.with_suffix(".beat"))]
        self.log = log
        with log.open("ab") as out:
            # A process group of its own: its pool children and embedded beat die with it.
            self.process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env},
                                            stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                raise AssertionError("worker exited:\n" + self.log.read_text(errors="replace"))
            time.sleep(0.1)
        raise AssertionError("worker not ready:\n" + self.log.read_text(errors="replace"))

    def kill(self) -> None:
        """SIGKILL the worker with everything it started, as when its machine dies."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._signal_group(signal.SIGKILL)  # nothing it started outlives the test

    def _signal_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
