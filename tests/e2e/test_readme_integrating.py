"""The README's "Integrating" examples, run as an integrator would: curl, fic and Python
against a live server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from sqlalchemy import func, select
from werkzeug.serving import make_server

from fic.services.clinic import clinics
from fic.services.integration import inbound
from fic.storage import repository
from fic.storage.models import Client, utcnow
from tests.conftest import TEST_KEYS
from tests.flows import answers, new_session, set_up_clinic, submit_form

README = Path(__file__).resolve().parents[2] / "README.md"
SECOND = "second@clinic.test"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Integrating")[1].split("\n## ")[0]


def _wait_mailed(mail, address: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while address not in {m["To"] for m in mail.messages}:
        assert time.monotonic() < deadline, f"no email to {address}"
        time.sleep(0.05)


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(), flags=re.S)


@pytest.fixture
def live(sqlite_app):
    server = make_server("127.0.0.1", 0, sqlite_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def world(sqlite_app, live):
    svc = sqlite_app.extensions["fic"]
    clinic = set_up_clinic(sqlite_app)
    other = set_up_clinic(sqlite_app, "Other Clinic")
    api = sqlite_app.test_client()
    for week, score in enumerate((9.5, 9.4, 9.6, 9.5, 4.0)):
        made = new_session(api, clinic, "R-9", utcnow() - timedelta(weeks=6 - week))
        submit_form(sqlite_app.test_client(), made["feedback_url"], answers(score))
    with svc.db.session() as session:
        row = repository.clinic_named(session, clinic.name)
        clinics.add_staff(session, row, SECOND, "clinician", clinic.supervisor)
        secret = inbound.set_secret(session, svc.keys, row.id)
        clinic_id = str(row.id)
    env = {
        **os.environ, "FIC": live, "KEY": clinic.api_key, "CLINICIAN": clinic.clinician,
        "CLINIC": clinic.name, "CLINIC_ID": clinic_id, "OTHER_CLINIC": other.name,
        "OTHER_CLINICIAN": other.clinician, "INBOUND_SECRET": secret,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "FIC_INSTANCE_PATH": str(svc.settings.instance_path), "FIC_DATA_KEYS": TEST_KEYS,
        "FIC_SECRET_KEY": svc.settings.secret_key, "FIC_BASE_URL": live,
    }
    return env


def test_the_readme_has_api_fhir_and_webhook_examples_in_bash_and_python():
    assert len(_blocks("bash")) >= 3 and len(_blocks("python")) >= 2
    assert "session-ended" in _section() and "fhir" in _section()


def test_every_bash_example_in_the_integrating_section_runs(world, sqlite_app, tmp_path, mail):
    for block in _blocks("bash"):
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], env=world,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (block, done.stdout[-2000:], done.stderr[-2000:])
    Questionnaire.model_validate_json((tmp_path / "alliance-questionnaire.json").read_text())
    assert json.loads((tmp_path / "backtest.json").read_text())["episodes"]
    assert "P-" in (tmp_path / "research.csv").read_text()
    with sqlite_app.extensions["fic"].db.session() as session:
        other = repository.clinic_named(session, "Other Clinic")
        assert session.scalar(select(func.count()).select_from(Client)
                              .where(Client.clinic_id == other.id)) == 1
    _wait_mailed(mail, "client@example.org")


def test_every_python_example_in_the_integrating_section_runs(world, mail):
    namespace: dict[str, object] = {}
    for block in _blocks("python"):
        exec(block, namespace)  # noqa: S102 - our own README, run as an integrator would
    fic, key = world["FIC"], world["KEY"]
    ruptures = namespace["open_ruptures"](fic, key)
    assert [alert["client_ref"] for alert in ruptures] == ["R-9"]
    assert namespace["reassign"](fic, key, "R-9", SECOND) == SECOND
    sent = namespace["session_ended"](fic, world["CLINIC_ID"], world["INBOUND_SECRET"], {
        "event_id": "ehr-python-1", "client_ref": "R-9", "clinician": SECOND,
        "held_at": utcnow().isoformat(), "contact": {"email": "r9@example.org"}})
    assert sent["channels"] == ["email"]
    _wait_mailed(mail, "r9@example.org")
