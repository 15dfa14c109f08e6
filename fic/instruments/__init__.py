"""Instrument definitions shipped as data, plus any a clinic adds in its instance folder."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fic.domain.instruments import Instrument, InstrumentError, parse_instrument

_SHIPPED = Path(__file__).parent


@cache
def load(name: str, extra_dir: Path | None = None) -> Instrument:
    """The instrument called `name`: a clinic's own file wins over the shipped one."""
    for folder in filter(None, (extra_dir, _SHIPPED)):
        path = folder / f"{name}.json"
        if path.is_file():
            try:
                return parse_instrument(json.loads(path.read_text(encoding="utf-8")))
            except json.JSONDecodeError as bad:
                raise InstrumentError(f"{path.name}: not valid JSON ({bad.msg})") from None
    raise InstrumentError(f"no instrument called {name!r}")
