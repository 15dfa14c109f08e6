"""The `fic` command as an administrator uses it on embedded defaults."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from fic import create_app
from fic.cli import cli
from fic.settings import Settings
from fic.storage.models import ApiKey, Staff


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("FIC_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in ("FIC_DATABASE_URL", "FIC_REDIS_URL", "FIC_SECRET_KEY", "FIC_DATA_KEYS"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(cli, list(args))
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    return invoke


def _db(tmp_path):
    return create_app(Settings(instance_path=tmp_path / "instance")).extensions["fic"].db


def test_an_administrator_sets_up_a_clinic_from_the_command_line(run, tmp_path):
    assert "up to date" in run("init")
    run("clinic", "create", "North Clinic", "--timezone", "Europe/Berlin")
    enrolled = run("staff", "add", "--clinic", "North Clinic", "--email", "Sup@North.test",
                   "--role", "supervisor").splitlines()[-1]
    assert len(enrolled) >= 20
    run("staff", "add", "--clinic", "North Clinic", "--email", "cl@north.test",
        "--role", "clinician", "--supervisor", "sup@north.test")
    key = run("apikey", "create", "--clinic", "North Clinic").splitlines()[-1]
    passphrase = run("staff", "passphrase", "sup@north.test").splitlines()[-1]
    assert key.startswith("fic_") and len(key) > 40
    assert len(passphrase) >= 20
    with _db(tmp_path).session() as session:
        staff = {s.email: s for s in session.scalars(select(Staff))}
        stored_keys = session.scalars(select(ApiKey.key_hash)).all()
    assert staff["cl@north.test"].supervisor_id == staff["sup@north.test"].id
    assert key not in stored_keys and len(stored_keys) == 1
    assert passphrase.encode() not in staff["sup@north.test"].report_passphrase_ct
    assert passphrase != enrolled, "rotation gives a new passphrase"


def test_mistakes_get_a_clear_error_and_change_nothing(run):
    run("init")
    run("clinic", "create", "North Clinic")
    assert "exists already" in run("clinic", "create", "North Clinic", ok=False)
    out = run("staff", "add", "--clinic", "North Clinic", "--email", "c@n.test",
              "--role", "clinician", ok=False)
    assert "needs a supervisor" in out
    assert "no clinic called" in run("apikey", "create", "--clinic", "Nowhere", ok=False)
    run("staff", "add", "--clinic", "North Clinic", "--email", "c2@n.test", "--role", "admin")
    assert "only supervisors and clinicians" in run("staff", "passphrase", "c2@n.test", ok=False)


def test_the_demo_prints_a_link_that_opens_the_form(run, tmp_path):
    out = run("demo", "--no-serve")
    link = re.search(r"http://127\.0\.0\.1:5000(/f/[\w-]+)", out)
    assert link, out
    assert "report passphrase" in out and "fic report --supervisor" in out
    app = create_app(Settings(instance_path=tmp_path / "instance"))
    assert app.test_client().get(link.group(1)).status_code == 200
    again = run("demo", "--no-serve")
    assert re.search(r"/f/[\w-]+", again).group(0) != link.group(1)
    assert "API key" not in again, "secrets are shown once, on the first run only"


def test_the_fic_console_script_is_installed():
    script = Path(sys.executable).parent / "fic"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in ("init", "clinic", "staff", "apikey", "report", "demo"):
        assert command in result.stdout


def test_a_clinic_policy_file_is_checked_before_it_is_installed(run, tmp_path):
    run("init")
    run("clinic", "create", "North Clinic")
    bad = tmp_path / "bad.json"
    bad.write_text('{"rupture_zz": 2}')
    assert "unknown policy setting" in run("clinic", "policy", "North Clinic", str(bad), ok=False)
    assert not list((tmp_path / "instance").glob("policies/*.json"))
    good = tmp_path / "good.json"
    good.write_text('{"cooldown": 3}')
    run("clinic", "policy", "North Clinic", str(good))
    assert len(list((tmp_path / "instance").glob("policies/*.json"))) == 1


def test_the_demo_serves_the_link_it_prints(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "FIC_INSTANCE_PATH": str(tmp_path / "instance"),
           "FIC_BASE_URL": f"http://127.0.0.1:{port}", "FIC_SMTP_PORT": "9"}
    for name in ("FIC_DATABASE_URL", "FIC_REDIS_URL", "FIC_SECRET_KEY", "FIC_DATA_KEYS"):
        env.pop(name, None)
    script = Path(sys.executable).parent / "fic"
    server = subprocess.Popen([str(script), "demo"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        link = None
        for line in server.stdout:
            found = re.search(rf"http://127\.0\.0\.1:{port}/f/[\w-]+", line)
            if found:
                link = found.group(0)
            if "Running on" in line:
                break
        assert link, "the demo printed a link"
        with urllib.request.urlopen(link, timeout=10) as page:  # noqa: S310 - our own server
            assert page.status == 200 and b"How was today" in page.read()
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()
