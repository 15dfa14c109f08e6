"""Turn a submitted form into validated answers, or into messages a client can act on.

Only plain ASCII decimals are scores: "NaN", "inf", "1e309", "٧" and "7\\x00" are not.
Every problem is reported per item so the page can show it beside the question while
keeping everything else the client typed.

A question left blank is not a problem: it is "not answered" (a partial form, which the
rules never read as a rupture). `Answers.unanswered` names the questions the instrument
expects an answer to, so the page can ask the client once before sending without them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from fic.domain.instruments import Instrument, Item
from fic.errors import InvalidRequest


def N_(template: str) -> str:  # gettext's marker name, so pybabel finds these
    """Mark a message for the catalogues; the web layer translates it (the domain has no locale)."""
    return template


class Message(str):
    """An English message that also keeps its template and values, so it can be translated."""

    template: str
    params: dict[str, int]

    def __new__(cls, template: str, **params: int) -> Message:
        shown = {name: f"{value:,}" for name, value in params.items()}
        message = super().__new__(cls, template % shown if params else template)
        message.template, message.params = template, params
        return message


_DECIMAL = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")
FORM_ERROR = "_form"


@dataclass(frozen=True)
class Answers:
    values: Mapping[str, int]
    comment: str | None = None
    unanswered: tuple[str, ...] = ()


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
    unanswered: list[str] = []
    items = form_items(instruments)
    known = {item.id for item in items}
    if any(name not in known for name in fields):
        errors[FORM_ERROR] = Message(
            N_("The form contained fields we did not expect. Please reload the page."))
    for item in items:
        given = fields.get(item.id, ())
        if len(given) > 1:
            errors[item.id] = Message(
                N_("This question was answered more than once. Please answer it once."))
            continue
        raw = given[0].strip() if given else ""
        if item.kind == "text":
            comment, problem = _text(item, raw)
        elif not raw:
            problem = None
            if item.required:
                unanswered.append(item.id)
        elif item.kind == "vas":
            problem = _vas(item, raw, values)
        else:
            problem = _choice(item, raw, values)
        if problem:
            errors[item.id] = problem
    if errors:
        raise AnswerErrors(errors)
    return Answers(values=values, comment=comment, unanswered=tuple(unanswered))


def _vas(item: Item, raw: str, values: dict[str, int]) -> str | None:
    if not _DECIMAL.fullmatch(raw):
        return Message(N_("Please give a number from 0 to 10, such as 7 or 7.5."))
    tenths = int((Decimal(raw) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if not 0 <= tenths <= 100:
        return Message(N_("Please give a number from 0 to 10."))
    values[item.id] = tenths
    return None


def _choice(item: Item, raw: str, values: dict[str, int]) -> str | None:
    if raw not in item.choices:
        return Message(N_("Please choose one of the options."))
    values[item.id] = item.choices.index(raw)
    return None


def _text(item: Item, raw: str) -> tuple[str | None, str | None]:
    text = clean_text(raw)
    if len(text) > item.max_length:
        return None, Message(
            N_("Please keep this under %(limit)s characters (it has %(count)s now)."),
            limit=item.max_length, count=len(text))
    return (text or None), None


def clean_text(text: str) -> str:
    """Drop control, format (bidi overrides, zero-width) and unpaired surrogate characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    ).strip()
