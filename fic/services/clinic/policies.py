"""Each clinic's alert policy: the default, or the clinic's own file under instance/policies."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from fic.domain.policy import Policy
from fic.domain.policy_file import parse_policy
from fic.errors import PolicyError
from fic.settings import Settings

_cache: dict[Path, tuple[float, Policy]] = {}
# A clinic's file is looked at (one stat) at most this often per process.
_LOOK_EVERY = 1.0
_looked: dict[tuple[str, uuid.UUID], tuple[float, float | None]] = {}
_DEFAULT = Policy()  # frozen: one object for every clinic without a file of its own


def policy_path(settings: Settings, clinic_id: uuid.UUID) -> Path:
    return settings.instance_path / "policies" / f"{clinic_id}.json"


def policy_for(settings: Settings, clinic_id: uuid.UUID) -> Policy:
    # Looked up by instance and clinic: building the file's Path for every form costs more
    # than the look itself.
    key = (str(settings.instance_path), clinic_id)
    now = time.monotonic()
    looked = _looked.get(key)
    if looked is not None and now - looked[0] < _LOOK_EVERY:
        mtime = looked[1]
    else:
        try:
            mtime = policy_path(settings, clinic_id).stat().st_mtime
        except FileNotFoundError:
            mtime = None
        _looked[key] = (now, mtime)
    if mtime is None:
        return _DEFAULT
    path = policy_path(settings, clinic_id)
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
    # this process sees it at once (others within _LOOK_EVERY)
    _looked.pop((str(settings.instance_path), clinic_id), None)
    return policy


def remove_policy(settings: Settings, clinic_id: uuid.UUID) -> None:
    """Back to the default policy."""
    path = policy_path(settings, clinic_id)
    path.unlink(missing_ok=True)
    _looked.pop((str(settings.instance_path), clinic_id), None)
