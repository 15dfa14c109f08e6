"""Each clinic's alert policy: the default, or the clinic's own file under instance/policies."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

from fic.domain.policy import Policy, PolicyError
from fic.domain.policy_file import parse_policy
from fic.settings import Settings

_cache: dict[Path, tuple[float, Policy]] = {}


def policy_path(settings: Settings, clinic_id: uuid.UUID) -> Path:
    return settings.instance_path / "policies" / f"{clinic_id}.json"


def policy_for(settings: Settings, clinic_id: uuid.UUID) -> Policy:
    path = policy_path(settings, clinic_id)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return Policy()
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, read_policy(path))
        _cache[path] = cached
    return cached[1]


def read_policy(path: Path) -> Policy:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as bad:
        raise PolicyError(f"{path.name}: not valid JSON (line {bad.lineno})") from None
    return parse_policy(data)


def install_policy(settings: Settings, clinic_id: uuid.UUID, source: Path) -> Policy:
    """Validate a policy file and make it the clinic's; a bad file changes nothing."""
    policy = read_policy(source)
    target = policy_path(settings, clinic_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return policy
