"""The form's questions as primitives for the template, in the page's language.

A visual-analogue item is drawn as eleven 0–10 choices (the page without JavaScript) that
form.js turns into a slider; either way it starts without a value. A goal item shows the
client's own wording of that goal, and an item for a goal the client has not named is left
out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal

from fic.domain.instruments import Instrument, Item


def form_sections(
    instruments: Sequence[Instrument],
    language: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    unanswered: Sequence[str],
    goals: Sequence[str | None] = (),
) -> list[dict]:
    sections = []
    for instrument in instruments:
        lang = language if language in instrument.languages else "en"
        lang = lang if lang in instrument.languages else instrument.languages[0]
        questions = []
        for item in instrument.items:
            goal = _goal_wording(instrument, item, goals)
            if goal is False:
                continue
            question = _item(item, lang, values, errors, unanswered)
            if goal:
                question["goal"] = goal
            questions.append(question)
        if questions:
            sections.append({"title": instrument.title[lang], "questions": questions,
                             "lang": lang})
    return sections


def shown_items(instruments: Sequence[Instrument], goal_slots: Collection[int]) -> set[str]:
    """The ids of the items the page asks: a goal item only for a slot with a live goal
    (the same choice as form_sections, without drawing anything)."""
    return {item.id for instrument in instruments
            for index, item in enumerate(instrument.items)
            if instrument.id != "goals" or index + 1 in goal_slots}


def _goal_wording(instrument: Instrument, item: Item, goals: Sequence[str | None]
                  ) -> str | bool | None:
    """For the goals instrument: the client's goal for this item, or False to leave it out."""
    if instrument.id != "goals":
        return None
    index = instrument.items.index(item)
    return (goals[index] if index < len(goals) else None) or False


def _item(item: Item, language: str, values: Mapping[str, str], errors: Mapping[str, str],
          unanswered: Sequence[str]) -> dict:
    value = values.get(item.id, "")
    return {
        "id": item.id,
        "kind": item.kind,
        "text": item.label(language),
        "anchors": item.anchors.get(language) or next(iter(item.anchors.values()), ("", "")),
        "choices": list(
            zip(item.choices, item.choice_labels.get(language, item.choices), strict=True)
        ),
        "points": [(str(n), format_decimal(n)) for n in range(11)],
        "value": _as_point(value) if item.kind == "vas" else value,
        "raw": value,
        "error": errors.get(item.id),
        "unanswered": item.id in unanswered,
        "max_length": item.max_length,
    }


def _as_point(value: str) -> str:
    """'7.0' checks the 7 choice; any other value checks none (the slider keeps it)."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    return str(int(number)) if number == number.to_integral_value() and 0 <= number <= 10 else value
