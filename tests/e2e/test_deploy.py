"""The deployment description stays valid."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docker_compose_accepts_the_file_and_defines_every_service():
    check = subprocess.run(["docker-compose", "config", "-q"], cwd=ROOT, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stderr
    services = subprocess.run(["docker-compose", "config", "--services"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.split()
    assert {"web", "worker", "beat", "redis", "postgres", "mailpit"} <= set(services)
