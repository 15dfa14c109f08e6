"""Calibration on a clinic's own clients: the pooled noise fit and the threshold search."""

from __future__ import annotations

import json
import math
import random

import pytest
from click.testing import CliRunner

from fic.cli.backtest import backtest
from fic.domain.calibration import LOWEST_Z, calibrate
from fic.domain.noise import fit_noise
from fic.domain.policy import Policy
from fic.domain.ruptures import Visit
from fic.instruments import load

ALLIANCE = load("alliance")


def clinic(sd_points: float, clients: int = 60, seed: int = 1) -> list[list[Visit]]:
    rng = random.Random(seed)
    courses = []
    for _ in range(clients):
        level = rng.uniform(30, 36)
        totals = [round(min(40.0, rng.gauss(level, sd_points)), 1) for _ in range(10)]
        courses.append([Visit(n, t) for n, t in enumerate(totals, start=1)])
    return courses


def test_the_pooled_noise_fit_recovers_a_known_prior():
    # every client's σ² drawn from a scaled inverse χ² with ν0 = 6 around σ0 = 0.04
    rng = random.Random(3)
    courses = []
    for _ in range(400):
        variance = 0.04**2 * 6 / rng.gammavariate(3, 2)
        courses.append([0.8 + rng.gauss(0, math.sqrt(variance)) for _ in range(10)])
    noise = fit_noise(courses)
    assert noise is not None and noise.clients == 400
    assert noise.pooled_sd == pytest.approx(0.04, rel=0.05)
    assert 4 < noise.prior_df < 10


def test_all_ten_forms_give_no_noise_and_too_few_clients_give_no_fit():
    assert fit_noise([[1.0] * 10, [1.0] * 10, [0.9, 0.95]]) is None


def test_a_noisy_clinic_gets_a_wider_pooled_noise_and_keeps_its_false_course_rate():
    quiet = calibrate(clinic(0.8), ALLIANCE, Policy(), "quiet", target=0.05, simulated=200)
    noisy = calibrate(clinic(3.0), ALLIANCE, Policy(), "noisy", target=0.05, simulated=200)
    assert quiet.noise is not None and noisy.noise is not None
    assert noisy.policy.pooled_sd > 2.5 * quiet.policy.pooled_sd
    assert noisy.policy.pooled_sd * 40 == pytest.approx(3.0, rel=0.15)
    for found in (quiet, noisy):
        assert found.false_course_rate <= 0.05
        assert found.policy.rupture_z >= LOWEST_Z
        assert "simulated no-change 12-session courses" in found.policy.calibration


def test_a_clinic_with_few_clients_keeps_the_shipped_pooled_noise_and_says_so():
    found = calibrate(clinic(1.0, clients=5), ALLIANCE, Policy(), "small", simulated=100)
    assert found.noise is None and found.policy.pooled_sd == Policy().pooled_sd
    assert "too few clients (5)" in found.policy.calibration


def test_the_backtest_calibrates_on_its_file_and_writes_the_policy_it_used(tmp_path):
    rows = ["client_ref,session_number,session_date,safety,heard,goals,approach,tension,"
            "talked_through"]
    for ref, course in enumerate(clinic(2.0, clients=25)):
        rows += [f"C{ref},{v.number},2026-01-{v.number:02d},{v.total / 4:.2f},{v.total / 4:.2f},"
                 f"{v.total / 4:.2f},{v.total / 4:.2f},," for v in course]  # fmt: skip
    path, out = tmp_path / "history.csv", tmp_path / "calibrated.json"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        backtest, [str(path), "--calibrate", "--format", "json", "--write", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["calibration"]["clients"] == 25
    assert data["calibration"]["target"] == 0.08  # the default: the 10%, with room
    assert data["calibration"]["false_course_rate"] <= 0.08
    assert json.loads(out.read_text(encoding="utf-8")) == data["calibration"]["policy"]
    assert data["calibration"]["policy"]["pooled_sd"] * 40 == pytest.approx(2.0, rel=0.25)
