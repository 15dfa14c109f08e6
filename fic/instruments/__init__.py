"""Instrument definitions shipped as data, plus any an installation adds in its instance folder.

A JSON file in `<instance>/instruments/` wins over the shipped one of the same name: that is
how a clinic words the checks its own way, or loads a licensed scale it holds a licence for,
without code changes. `create_app` points `load` at that folder.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fic.domain.instruments import Instrument, parse_instrument
from fic.errors import InstrumentError

_SHIPPED = Path(__file__).parent
# The two checks fic ships and reads by name: the end-of-session alliance check, the wellbeing.
ALLIANCE, WELLBEING = "alliance", "wellbeing"
_installed: list[Path] = []


def use_folder(folder: Path | None) -> None:
    """The installation's own instrument folder (one per process, set by create_app)."""
    _installed[:] = [folder] if folder is not None else []


def load(name: str) -> Instrument:
    """The instrument called `name`: the installation's own file wins over the shipped one."""
    return _load(name, tuple(_installed))


@cache
def _load(name: str, folders: tuple[Path, ...]) -> Instrument:
    for folder in (*folders, _SHIPPED):
        path = folder / f"{name}.json"
        if path.is_file():
            try:
                return parse_instrument(json.loads(path.read_text(encoding="utf-8")))
            except json.JSONDecodeError as bad:
                raise InstrumentError(f"{path.name}: not valid JSON ({bad.msg})") from None
    raise InstrumentError(f"no instrument called {name!r}")
