"""Instruments as data: a definition is parsed and validated into frozen value objects.

Visual-analogue items are answered 0–10 in steps of 0.1 and kept as integer tenths 0–100.
Choice items (yes/no, Likert, named choices) keep the index of the chosen value; a Likert
item scores that index, so a five-point Likert item runs 0–4 and needs `item_max` 4.
The total is the sum (every item needed) or the mean (of the items answered) of the
items it names; subscales work the same way over their own items. Every text is given in
every language the instrument's title offers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fic.domain.instrument_parts import KINDS, Item, parse_item
from fic.errors import InstrumentError

__all__ = ["KINDS", "Instrument", "InstrumentError", "Item", "parse_instrument"]

TOTAL_RULES = ("sum", "mean")
DIRECTIONS = ("higher_is_better", "lower_is_better")
_KEYS = frozenset(
    {
        "id", "version", "title", "description", "source", "licence", "item_max", "total",
        "total_rule", "subscales", "direction", "cutoff", "item_concern", "sd",
        "reliability", "items",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: Mapping[str, str]
    items: tuple[Item, ...]
    total: tuple[str, ...]
    item_max: float
    cutoff: float | None
    sd: float | None
    reliability: float | None
    higher_is_better: bool = True
    item_concern: float | None = None
    total_rule: str = "sum"
    subscales: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def total_max(self) -> float:
        return self.item_max if self.total_rule == "mean" else self.item_max * len(self.total)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.title)

    @property
    def has_reliable_change(self) -> bool:
        return self.sd is not None and self.reliability is not None

    def reliable_change(self, z: float = 1.96) -> float:
        """RCI = z · SD · √(2(1 − r)), in points of the total (Jacobson & Truax 1991)."""
        if self.sd is None or self.reliability is None:
            raise InstrumentError(f"instrument {self.id!r} gives no sd and reliability")
        return z * self.sd * math.sqrt(2 * (1 - self.reliability))

    def find_item(self, item_id: str) -> Item | None:
        """The item with this id, or None (a clinic's own instrument may leave one out)."""
        return next((item for item in self.items if item.id == item_id), None)

    def item(self, item_id: str) -> Item:
        found = self.find_item(item_id)
        if found is None:
            raise InstrumentError(f"instrument {self.id!r} has no item {item_id!r}")
        return found

    def points(self, item_id: str, stored: int) -> float:
        """A stored answer as points on the item's scale (reverse-scored where defined)."""
        item = self.item(item_id)
        value = stored / 10 if item.kind == "vas" else float(stored)
        return self.item_max - value if item.reverse else value

    def total_of(self, answers: Mapping[str, int]) -> float | None:
        """The total in points, or None when the form does not give one."""
        return self._score(self.total, answers)

    def subscale_of(self, name: str, answers: Mapping[str, int]) -> float | None:
        return self._score(self.subscales[name], answers)

    def _score(self, item_ids: tuple[str, ...], answers: Mapping[str, int]) -> float | None:
        given = [self.points(name, answers[name]) for name in item_ids if name in answers]
        if self.total_rule == "mean":
            return sum(given) / len(given) if given else None
        return sum(given) if len(given) == len(item_ids) else None


def parse_instrument(data: Mapping[str, Any]) -> Instrument:
    unknown = sorted(set(data) - _KEYS) if isinstance(data, Mapping) else []
    if unknown:
        raise InstrumentError(f"unknown field {unknown[0]!r}")
    try:
        instrument = _build(data)
    except KeyError as missing:
        raise InstrumentError(f"missing field {missing.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError) as bad:
        raise InstrumentError(f"malformed value: {bad}") from None
    _check_numbers(instrument)
    _check_scoring(instrument)
    return instrument


def _build(data: Mapping[str, Any]) -> Instrument:
    title = _texts(data["title"], "title")
    items = tuple(parse_item(raw, tuple(title)) for raw in _list(data, "items"))
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise InstrumentError("item ids must be unique")
    direction = data.get("direction", "higher_is_better")
    if direction not in DIRECTIONS:
        raise InstrumentError(f"direction must be one of {', '.join(DIRECTIONS)}")
    total_rule = data.get("total_rule", "sum")
    if total_rule not in TOTAL_RULES:
        raise InstrumentError(f"total_rule must be one of {', '.join(TOTAL_RULES)}")
    subscales = {str(name): _names(ids, ids_, f"subscale {name!r}")
                 for name, ids_ in dict(data.get("subscales", {})).items()}  # fmt: skip
    return Instrument(
        id=str(data["id"]),
        version=int(data.get("version", 1)),
        title=title,
        items=items,
        total=_names(ids, data["total"], "total"),
        item_max=float(data["item_max"]),
        cutoff=_optional_float(data.get("cutoff")),
        sd=_optional_float(data.get("sd")),
        reliability=_optional_float(data.get("reliability")),
        higher_is_better=direction == "higher_is_better",
        item_concern=_optional_float(data.get("item_concern")),
        total_rule=total_rule,
        subscales=subscales,
    )


def _check_numbers(instrument: Instrument) -> None:
    if (instrument.sd is None) != (instrument.reliability is None):
        raise InstrumentError("sd and reliability are given together or not at all")
    if instrument.reliability is not None and not 0 < instrument.reliability < 1:
        raise InstrumentError("reliability must lie between 0 and 1")
    if instrument.sd is not None and instrument.sd <= 0:
        raise InstrumentError("sd must be positive")
    if not instrument.item_max > 0:
        raise InstrumentError("item_max must be positive")
    if instrument.cutoff is not None and not 0 <= instrument.cutoff <= instrument.total_max:
        raise InstrumentError("cutoff must lie within the range of the total")
    concern = instrument.item_concern
    if concern is not None and not 0 <= concern <= instrument.item_max:
        raise InstrumentError("item_concern must lie within the range of an item")


def _check_scoring(instrument: Instrument) -> None:
    scored = set(instrument.total).union(*instrument.subscales.values())
    for item in instrument.items:
        if item.id not in scored:
            continue
        if not item.scored:
            raise InstrumentError(f"item {item.id!r}: only vas and likert items can be scored")
        top = 10.0 if item.kind == "vas" else float(len(item.choices) - 1)
        if top != instrument.item_max:
            raise InstrumentError(f"item {item.id!r}: its range does not match item_max")


def _names(known: list[str], value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise InstrumentError(f"{where} must be a non-empty list of item ids")
    unknown = [str(name) for name in value if name not in known]
    if unknown:
        raise InstrumentError(f"{where} names unknown items: {', '.join(unknown)}")
    return tuple(value)


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise InstrumentError(f"{where} must map each language to a text")
    if not all(isinstance(text, str) and text.strip() for text in value.values()):
        raise InstrumentError(f"{where} has an empty text")
    return {str(lang): text for lang, text in value.items()}


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data[key]
    if not isinstance(value, list) or not value:
        raise InstrumentError(f"{key!r} must be a non-empty list")
    return value


def _optional_float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InstrumentError("numbers must be finite numbers")
    return float(value)
