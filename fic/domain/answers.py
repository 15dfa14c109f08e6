"""Turn a submitted form into validated answers, or into messages a client can act on.

Only plain ASCII decimals are scores: "NaN", "inf", "1e309", "٧" and "7\\x00" are not.
Every problem is reported per item so the page can show it beside the question while
keeping everything else the client typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from fic.domain.instruments import Instrument, Item
from fic.errors import InvalidRequest

_DECIMAL = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")
FORM_ERROR = "_form"


@dataclass(frozen=True)
class Answers:
    values: Mapping[str, int]
    comment: str | None = None


@dataclass
class AnswerErrors(InvalidRequest):
    errors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "the form has problems: " + ", ".join(sorted(self.errors))


def form_items(instruments: Sequence[Instrument]) -> list[Item]:
    """The items of a form made of several instruments; their ids must not collide."""
    items = [item for instrument in instruments for item in instrument.items]
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise InvalidRequest("the form's instruments share item ids")
    return items


def parse_answers(
    instruments: Sequence[Instrument], fields: Mapping[str, Sequence[str]]
) -> Answers:
    """Validate a submitted form made of `instruments` (answered on one page)."""
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    comment: str | None = None
    items = form_items(instruments)
    known = {item.id for item in items}
    if any(name not in known for name in fields):
        errors[FORM_ERROR] = "The form contained fields we did not expect. Please reload the page."
    for item in items:
        given = fields.get(item.id, ())
        if len(given) > 1:
            errors[item.id] = "This question was answered more than once. Please answer it once."
            continue
        raw = given[0].strip() if given else ""
        if item.kind == "text":
            comment, problem = _text(item, raw)
        elif not raw:
            problem = "Please answer this question." if item.required else None
        elif item.kind == "vas":
            problem = _vas(item, raw, values)
        else:
            problem = _choice(item, raw, values)
        if problem:
            errors[item.id] = problem
    if errors:
        raise AnswerErrors(errors)
    return Answers(values=values, comment=comment)


def _vas(item: Item, raw: str, values: dict[str, int]) -> str | None:
    if not _DECIMAL.fullmatch(raw):
        return "Please give a number from 0 to 10, such as 7 or 7.5."
    tenths = int((Decimal(raw) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if not 0 <= tenths <= 100:
        return "Please give a number from 0 to 10."
    values[item.id] = tenths
    return None


def _choice(item: Item, raw: str, values: dict[str, int]) -> str | None:
    if raw not in item.choices:
        return "Please choose one of the options."
    values[item.id] = item.choices.index(raw)
    return None


def _text(item: Item, raw: str) -> tuple[str | None, str | None]:
    text = clean_text(raw)
    if len(text) > item.max_length:
        return None, (
            f"Please keep this under {item.max_length:,} characters (it has {len(text):,} now)."
        )
    return (text or None), None


def clean_text(text: str) -> str:
    """Drop control, format (bidi overrides, zero-width) and unpaired surrogate characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    ).strip()
