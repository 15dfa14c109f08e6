"""Each clinic's alert policy: the default, or the clinic's own file under instance/policies."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from fic.domain.policy import Policy
from fic.domain.policy_file import parse_policy
from fic.errors import PolicyError
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
    return parse_policy_text(path.read_text(encoding="utf-8"), path.name)


def parse_policy_text(text: str, name: str = "policy") -> Policy:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as bad:
        raise PolicyError(f"{name}: not valid JSON (line {bad.lineno})") from None
    return parse_policy(data)


def install_policy(settings: Settings, clinic_id: uuid.UUID, source: Path) -> Policy:
    """Validate a policy file and make it the clinic's; a bad file changes nothing."""
    return install_policy_text(settings, clinic_id, source.read_text(encoding="utf-8"),
                               source.name)


def install_policy_text(settings: Settings, clinic_id: uuid.UUID, text: str,
                        name: str = "policy") -> Policy:
    policy = parse_policy_text(text, name)
    target = policy_path(settings, clinic_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return policy


def remove_policy(settings: Settings, clinic_id: uuid.UUID) -> None:
    """Back to the default policy."""
    policy_path(settings, clinic_id).unlink(missing_ok=True)
