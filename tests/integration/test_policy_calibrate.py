"""`fic policy calibrate --clinic NAME` reads the clinic's stored forms and shows or installs
the calibrated policy."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from flask.cli import ScriptInfo

from fic.cli import cli
from fic.services.clinic.policies import policy_for, policy_path
from fic.storage import repository
from fic.storage.models import utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form


def test_calibrating_a_small_clinic_keeps_the_shipped_noise_says_so_and_installs_on_write(
    sqlite_app,
):
    clinic = set_up_clinic(sqlite_app)
    api = sqlite_app.test_client()
    for ref, scores in {"K-1": (9.5, 9.0, 9.4), "K-2": (8.0, 8.5, 7.9)}.items():
        for week, score in enumerate(scores):
            made = new_session(api, clinic, ref, utcnow() - timedelta(weeks=3 - week))
            assert submit_form(api, made["feedback_url"], answers(score)).status_code == 303
    run = CliRunner().invoke(cli, ["policy", "calibrate", "--clinic", clinic.name],
                             obj=ScriptInfo(create_app=lambda: sqlite_app))
    assert run.exit_code == 0, run.output
    assert "Calibration: 2 clients, 6 forms" in run.output
    assert "expected share of no-change 12-session courses with a rupture" in run.output
    assert "too few clients (2)" in run.output
    svc = sqlite_app.extensions["fic"]
    with svc.db.session() as session:
        clinic_id = repository.clinic_named(session, clinic.name).id
    assert not policy_path(svc.settings, clinic_id).exists()  # shown, not installed
    run = CliRunner().invoke(cli, ["policy", "calibrate", "--clinic", clinic.name, "--write"],
                             obj=ScriptInfo(create_app=lambda: sqlite_app))
    assert run.exit_code == 0, run.output
    written = json.loads(policy_path(svc.settings, clinic_id).read_text(encoding="utf-8"))
    policy = policy_for(svc.settings, clinic_id)
    assert policy.rupture_z == written["rupture_z"]
    assert policy.calibration.startswith(f"clinic data: clinic {clinic.name}, 2 clients, 6 forms")
    # nothing about a client is printed: no refs, no scores
    assert "K-1" not in run.output and "9.5" not in run.output


def test_calibrating_an_unknown_clinic_is_a_clear_error(sqlite_app):
    run = CliRunner().invoke(cli, ["policy", "calibrate", "--clinic", "Nowhere"],
                             obj=ScriptInfo(create_app=lambda: sqlite_app))
    assert run.exit_code != 0 and "Traceback" not in run.output
