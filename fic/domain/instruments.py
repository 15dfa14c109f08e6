"""Instruments as data: a definition is parsed and validated into frozen value objects.

Visual-analogue items are answered 0–10 in steps of 0.1 and kept as integer tenths 0–100.
Choice items (yes/no, Likert, named choices) keep the index of the chosen value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fic.errors import FicError

KINDS = ("vas", "likert", "yesno", "choice", "text")


class InstrumentError(FicError):
    """An instrument definition is malformed; the message names the field."""


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    text: Mapping[str, str]
    anchors: Mapping[str, tuple[str, str]] = ()  # type: ignore[assignment]
    choices: tuple[str, ...] = ()
    choice_labels: Mapping[str, tuple[str, ...]] = ()  # type: ignore[assignment]
    required: bool = True
    reverse: bool = False
    max_length: int = 2000

    @property
    def scored(self) -> bool:
        return self.kind in ("vas", "likert")

    def label(self, language: str) -> str:
        return self.text.get(language) or next(iter(self.text.values()))


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: Mapping[str, str]
    items: tuple[Item, ...]
    total: tuple[str, ...]
    item_max: float
    cutoff: float
    sd: float
    reliability: float
    higher_is_better: bool = True
    item_concern: float | None = None

    @property
    def total_max(self) -> float:
        return self.item_max * len(self.total)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.title)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def points(self, item_id: str, stored: int) -> float:
        """A stored answer as points on the item's scale (reverse-scored where defined)."""
        item = self.item(item_id)
        value = stored / 10 if item.kind == "vas" else float(stored)
        return self.item_max - value if item.reverse else value

    def total_of(self, answers: Mapping[str, int]) -> float | None:
        """The total in points, or None when any item of the total is missing."""
        if any(item_id not in answers for item_id in self.total):
            return None
        return sum(self.points(item_id, answers[item_id]) for item_id in self.total)


def parse_instrument(data: Mapping[str, Any]) -> Instrument:
    try:
        items = tuple(_parse_item(raw) for raw in _list(data, "items"))
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids):
            raise InstrumentError("item ids must be unique")
        total = tuple(data["total"])
        unknown = [t for t in total if t not in ids]
        if unknown:
            raise InstrumentError(f"total names unknown items: {', '.join(unknown)}")
        instrument = Instrument(
            id=str(data["id"]),
            version=int(data.get("version", 1)),
            title=dict(data["title"]),
            items=items,
            total=total,
            item_max=float(data["item_max"]),
            cutoff=float(data["cutoff"]),
            sd=float(data["sd"]),
            reliability=float(data["reliability"]),
            higher_is_better=data.get("direction", "higher_is_better") == "higher_is_better",
            item_concern=_optional_float(data.get("item_concern")),
        )
    except KeyError as missing:
        raise InstrumentError(f"missing field {missing.args[0]!r}") from None
    except (TypeError, ValueError) as bad:
        raise InstrumentError(f"malformed value: {bad}") from None
    if not 0 < instrument.reliability < 1:
        raise InstrumentError("reliability must lie between 0 and 1")
    if instrument.sd <= 0:
        raise InstrumentError("sd must be positive")
    return instrument


def _parse_item(raw: Mapping[str, Any]) -> Item:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InstrumentError(f"item {raw.get('id')!r}: kind must be one of {', '.join(KINDS)}")
    choices: Sequence[str] = ("no", "yes") if kind == "yesno" else raw.get("choices", ())
    if kind in ("likert", "choice", "yesno") and len(choices) < 2:
        raise InstrumentError(f"item {raw['id']!r}: needs at least two choices")
    labels = {lang: tuple(texts) for lang, texts in raw.get("choice_labels", {}).items()}
    for lang, texts in labels.items():
        if len(texts) != len(choices):
            raise InstrumentError(f"item {raw['id']!r}: {lang} labels do not match its choices")
    return Item(
        id=str(raw["id"]),
        kind=kind,
        text=dict(raw["text"]),
        anchors={lang: (pair[0], pair[1]) for lang, pair in raw.get("anchors", {}).items()},
        choices=tuple(choices),
        choice_labels=labels,
        required=bool(raw.get("required", kind != "text")),
        reverse=bool(raw.get("reverse", False)),
        max_length=int(raw.get("max_length", 2000)),
    )


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data[key]
    if not isinstance(value, list) or not value:
        raise InstrumentError(f"{key!r} must be a non-empty list")
    return value


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
