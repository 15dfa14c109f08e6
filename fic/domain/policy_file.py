"""A clinic's policy file (a JSON object) read into a Policy, with clear errors.

Every key is a Policy field. Beyond the plain numbers and names:
- "safety_terms": {"en": [...], "de": [...]} replaces the shipped list, and
  "extra_safety_terms": {"en": [...]} (or a plain list) adds to it;
- "disabled_rules": ["R1", ...];
- "trajectory": {"tolerance": 2, "bands": [{"intake_from": 0, "intake_to": 15,
  "expected": {"2": 14, "6": 20}}, ...]} replaces the session-N not-on-track rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any

from fic.domain.outcomes import Band, Trajectory
from fic.domain.policy import Policy
from fic.domain.safety import DEFAULT_TERMS, all_terms
from fic.errors import PolicyError

_FIELDS = {item.name: item for item in fields(Policy)}
_SPECIAL = {"safety_terms", "extra_safety_terms", "trajectory", "disabled_rules"}
_TYPES = {"cutoff": float, "item_concern": float, "sd_floor": float, "pooled_sd": float}


def parse_policy(data: Any) -> Policy:
    if not isinstance(data, Mapping):
        raise PolicyError("a policy file holds one JSON object")
    unknown = sorted(key for key in data if key not in _FIELDS and key not in _SPECIAL)
    if unknown:
        raise PolicyError(f"unknown policy setting {unknown[0]!r}")
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key in _SPECIAL:
            continue
        values[key] = _plain(key, raw)
    values["safety_terms"] = _terms(data)
    if "disabled_rules" in data:
        values["disabled_rules"] = frozenset(_strings("disabled_rules", data["disabled_rules"]))
    if data.get("trajectory") is not None:
        values["trajectory"] = _trajectory(data["trajectory"])
    return Policy(**values)


def _plain(key: str, raw: Any) -> Any:
    default = _FIELDS[key].default
    kind = _TYPES.get(key) or (type(default) if default is not MISSING else str)
    if kind is bool:
        if not isinstance(raw, bool):
            raise PolicyError(f"{key!r} must be true or false")
        return raw
    if kind is str:
        if not isinstance(raw, str):
            raise PolicyError(f"{key!r} must be a name")
        return raw
    if raw is None and default is None:
        return None
    if kind is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise PolicyError(f"{key!r} must be a whole number")
        return raw
    return _number(key, raw)


def _number(key: str, raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise PolicyError(f"{key!r} must be a finite number")
    return float(raw)


def _strings(key: str, raw: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise PolicyError(f"{key!r} must be a list of non-empty texts")
    return list(raw)


def _term_map(key: str, raw: Any) -> dict[str, list[str]]:
    if isinstance(raw, list):
        return {"any": _strings(key, raw)}
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{key!r} must map each language to a list of terms")
    return {str(lang): _strings(f"{key}.{lang}", terms) for lang, terms in raw.items()}


def _terms(data: Mapping[str, Any]) -> tuple[str, ...]:
    base: Mapping[str, Any] = DEFAULT_TERMS
    if "safety_terms" in data:
        base = _term_map("safety_terms", data["safety_terms"])
    extra = _term_map("extra_safety_terms", data.get("extra_safety_terms", {}))
    terms = all_terms(base) + all_terms(extra)
    if not terms:
        raise PolicyError("'safety_terms' must name at least one term")
    return tuple(dict.fromkeys(terms))


def _trajectory(raw: Any) -> Trajectory:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("bands"), list) or not raw["bands"]:
        raise PolicyError("'trajectory' must hold a non-empty list of 'bands'")
    unknown = sorted(set(raw) - {"bands", "tolerance"})
    if unknown:
        raise PolicyError(f"unknown trajectory setting {unknown[0]!r}")
    tolerance = _number("trajectory.tolerance", raw.get("tolerance", 0))
    if tolerance < 0:
        raise PolicyError("'trajectory.tolerance' must be at least 0")
    bands = tuple(_band(index, band) for index, band in enumerate(raw["bands"], start=1))
    return Trajectory(bands=bands, tolerance=tolerance)


def _band(index: int, raw: Any) -> Band:
    where = f"trajectory band {index}"
    if not isinstance(raw, Mapping) or set(raw) != {"intake_from", "intake_to", "expected"}:
        raise PolicyError(f"{where} must give intake_from, intake_to and expected")
    low, high = _number(where, raw["intake_from"]), _number(where, raw["intake_to"])
    if not low < high:
        raise PolicyError(f"{where}: intake_from must be below intake_to")
    expected = raw["expected"]
    if not isinstance(expected, Mapping) or not expected:
        raise PolicyError(f"{where}: expected must map session numbers to scores")
    rows: list[tuple[int, float]] = []
    for session, score in expected.items():
        if not str(session).isdigit() or int(session) < 1:
            raise PolicyError(f"{where}: sessions must be whole numbers from 1")
        rows.append((int(session), _number(where, score)))
    return Band(low, high, tuple(sorted(rows)))
