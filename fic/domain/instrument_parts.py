"""One item of an instrument, and its parser: kinds, choices, labels and texts per language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fic.errors import InstrumentError

KINDS = ("vas", "likert", "yesno", "choice", "text")
_ITEM_KEYS = frozenset(
    {"id", "kind", "text", "anchors", "choices", "choice_labels", "required", "reverse",
     "max_length"}
)  # fmt: skip


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    text: Mapping[str, str]
    anchors: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    choices: tuple[str, ...] = ()
    choice_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    required: bool = True
    reverse: bool = False
    max_length: int = 2000

    @property
    def scored(self) -> bool:
        return self.kind in ("vas", "likert")

    def label(self, language: str) -> str:
        return self.text.get(language) or next(iter(self.text.values()))

    def choice_label(self, index: int, language: str) -> str:
        labels = self.choice_labels.get(language)
        return labels[index] if labels else self.choices[index]


def parse_item(raw: Mapping[str, Any], languages: Sequence[str]) -> Item:
    if not isinstance(raw, Mapping):
        raise InstrumentError("each item must be an object")
    name = raw.get("id")
    if not isinstance(name, str) or not name:
        raise InstrumentError("each item needs an id")
    unknown = sorted(set(raw) - _ITEM_KEYS)
    if unknown:
        raise InstrumentError(f"item {name!r}: unknown field {unknown[0]!r}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InstrumentError(f"item {name!r}: kind must be one of {', '.join(KINDS)}")
    choices: Sequence[str] = ("no", "yes") if kind == "yesno" else raw.get("choices", ())
    if kind in ("likert", "choice", "yesno") and len(choices) < 2:
        raise InstrumentError(f"item {name!r}: needs at least two choices")
    if len(set(choices)) != len(choices):
        raise InstrumentError(f"item {name!r}: choices must be unique")
    labels = {lang: tuple(texts) for lang, texts in raw.get("choice_labels", {}).items()}
    for lang, texts in labels.items():
        if len(texts) != len(choices):
            raise InstrumentError(f"item {name!r}: {lang} labels do not match its choices")
    if kind == "likert" and not labels:
        raise InstrumentError(f"item {name!r}: a likert item needs its labels")
    anchors = {lang: (pair[0], pair[1]) for lang, pair in raw.get("anchors", {}).items()}
    text = raw.get("text")
    if not isinstance(text, Mapping) or not text or not all(
        isinstance(t, str) and t.strip() for t in text.values()
    ):
        raise InstrumentError(f"item {name!r}: text must map each language to a text")
    for what, given in (("text", text), ("anchors", anchors), ("labels", labels)):
        missing = [lang for lang in languages if given and lang not in given]
        if missing:
            raise InstrumentError(f"item {name!r}: {what} missing for {', '.join(missing)}")
    reverse = bool(raw.get("reverse", False))
    if reverse and kind not in ("vas", "likert"):
        raise InstrumentError(f"item {name!r}: only scored items can be reverse-scored")
    return Item(
        id=name,
        kind=kind,
        text=dict(text),
        anchors=anchors,
        choices=tuple(choices),
        choice_labels=labels,
        required=bool(raw.get("required", kind != "text")),
        reverse=reverse,
        max_length=int(raw.get("max_length", 2000)),
    )
