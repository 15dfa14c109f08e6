"""Calibrate a clinic's alert policy on its own clients (stored responses or a CSV).

The statistics live in fic.domain.calibration; this module gathers the courses, merges
the fitted settings into the policy file the clinic would use, and writes it when asked.
Only scores are read (no comments, no contacts), and nothing about a client is printed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.domain.calibration import Calibration, calibrate
from fic.domain.policy_file import parse_policy
from fic.domain.ruptures import Visit
from fic.instruments import load
from fic.services.alerts.evaluation import visits_of
from fic.services.clinic.policies import install_policy_text, policy_path
from fic.settings import Settings
from fic.storage import repository
from fic.storage.models import Client


def clinic_courses(session: Session, clinic_id: uuid.UUID) -> list[list[Visit]]:
    """Every client's course of the clinic as the rules see it."""
    alliance, wellbeing = load("alliance"), load("wellbeing")
    ids = session.scalars(select(Client.id).where(Client.clinic_id == clinic_id)).all()
    return [visits_of(repository.course(session, i).sessions, alliance, wellbeing) for i in ids]


def calibrate_courses(
    courses: Sequence[Sequence[Visit]], base_file: Mapping[str, Any], where: str,
    target: float = 0.08,
) -> tuple[Calibration, dict[str, Any]]:
    """The calibration and the whole policy file it gives (base_file's other settings kept)."""
    base = parse_policy(dict(base_file))
    result = calibrate(courses, load("alliance"), base, where, target)
    data = {**base_file, **result.settings()}
    parse_policy(data)  # what is written must read back
    return result, data


def current_file(settings: Settings, clinic_id: uuid.UUID) -> dict[str, Any]:
    """The clinic's policy file as it stands ({} for the default policy)."""
    path = policy_path(settings, clinic_id)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return dict(data) if isinstance(data, dict) else {}


def install(settings: Settings, clinic_id: uuid.UUID, data: Mapping[str, Any]) -> Path:
    install_policy_text(settings, clinic_id, json.dumps(data, indent=2) + "\n", "calibrated")
    return policy_path(settings, clinic_id)
