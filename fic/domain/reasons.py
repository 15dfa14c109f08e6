"""Why an alert was raised, in plain words with its numbers (in the instrument's points).

Every rupture carries one: this client's usual level, today's total, the drop in points
and what would have counted. The text is English; it names scores, so it is health data
and goes where scores go (the staff pages, the encrypted report), never into a message.
"""

from __future__ import annotations

from collections.abc import Sequence

from fic.domain.baseline import Baseline
from fic.domain.policy import Policy
from fic.domain.predictive import Prediction, normal_tail
from fic.domain.rules import Dip, Limits, Pending


def _points(x: float, limits: Limits) -> float:
    return (x if limits.higher_is_better else 1.0 - x) * limits.total_max


def _fmt(points: float) -> str:
    text = f"{points:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _worse(limits: Limits) -> tuple[str, str]:
    return ("lower", "or lower") if limits.higher_is_better else ("higher", "or higher")


def dip(
    x: float, prediction: Prediction, found: Dip, limits: Limits, policy: Policy, pooled: float
) -> str:
    """R3: usual level, today, the drop, the bar and what lowered it."""
    worse, or_worse = _worse(limits)
    usual, today = _points(prediction.centre, limits), _points(x, limits)
    plain = min(prediction.bar(normal_tail(policy.rupture_z)), prediction.centre - policy.min_drop)
    scale = limits.total_max
    own = (
        f"their own {_fmt((prediction.own_sd or 0.0) * scale)} over the last "
        f"{prediction.forms} forms"
        if prediction.own_sd is not None
        else "none of their own yet"
    )
    text = (
        f"Usual level {_fmt(usual)} of {_fmt(scale)} (last {prediction.size} forms); today "
        f"{_fmt(today)}, {_fmt(abs(usual - today))} points {worse}. On the scores alone a "
        f"total of {_fmt(_points(plain, limits))} {or_worse} counts as a rupture for this "
        f"client: their session-to-session spread is taken as "
        f"{_fmt(prediction.sd * scale)} points ({own}, shrunk toward the clinic's pooled "
        f"{_fmt(pooled * scale)})."
    )
    extra = []
    for boost in found.boosts:
        if boost == "cutoff" and limits.cutoff is not None:
            extra.append(f"today is below the cutoff of {_fmt(_points(limits.cutoff, limits))}")
        elif boost == "tension":
            extra.append("the client reported some tension today")
        elif boost.startswith("item:"):
            extra.append(f"most of the drop is in one item ({boost[5:]})")
    if extra:
        line = min(prediction.bar(found.allowed), prediction.centre - policy.min_drop)
        text += (
            f" Today's other evidence moves that line to {_fmt(_points(line, limits))}: "
            + " and ".join(extra) + "."
        )
    return text


def erosion(reference: Baseline, window: Sequence[float], limits: Limits) -> str:
    """R4: a slide over several sessions."""
    worse, _ = _worse(limits)
    usual = _points(reference.median, limits)
    recent = ", ".join(_fmt(_points(x, limits)) for x in window)
    today = _points(window[-1], limits)
    return (
        f"Scores have slid over {len(window)} sessions ({recent}) from a usual level of "
        f"{_fmt(usual)} of {_fmt(limits.total_max)}; today {_fmt(today)}, "
        f"{_fmt(abs(usual - today))} points {worse}. No single session was far enough "
        f"off to count; together they do."
    )


def reliable_drop(before: float, x: float, limits: Limits) -> str:
    """R2 (when a clinic makes it a rupture): the drop from the last session."""
    worse, _ = _worse(limits)
    last, today = _points(before, limits), _points(x, limits)
    return (
        f"Today {_fmt(today)} of {_fmt(limits.total_max)}, {_fmt(abs(last - today))} points "
        f"{worse} than last session's {_fmt(last)}; a change of "
        f"{_fmt(limits.drop * limits.total_max)} points or more is beyond measurement error."
    )


def tension(level: str, x: float | None, limits: Limits) -> str:
    """R5: the client said so."""
    words = {"little": "a little", "some": "some", "lot": "a lot of"}.get(level, level)
    scores = "" if x is None else (
        f" Today's total was {_fmt(_points(x, limits))} of {_fmt(limits.total_max)}."
    )
    return f"The client reported {words} tension that was not talked through.{scores}"


def low_alliance(x: float, limits: Limits) -> str:
    """R1's alert: below the cutoff session after session."""
    cutoff = ""
    if limits.cutoff is not None:
        cutoff = f" the cutoff of {_fmt(_points(limits.cutoff, limits))}"
    return (
        f"Below{cutoff} for {limits.low_run} sessions running; today "
        f"{_fmt(_points(x, limits))} of {_fmt(limits.total_max)}."
    )


def partial_return(pending: Pending, x: float, limits: Limits) -> str:
    """R3 on the session after a dip that stays below the usual level."""
    worse, _ = _worse(limits)
    usual = _points(pending.centre, limits)
    dip_total, today = _points(pending.x, limits), _points(x, limits)
    return (
        f"Usual level {_fmt(usual)} of {_fmt(limits.total_max)}; last session "
        f"{_fmt(dip_total)}, {_fmt(abs(usual - dip_total))} points {worse}, and today "
        f"{_fmt(today)}, still {_fmt(abs(usual - today))} points {worse}. Neither session "
        f"alone was far enough off for this client (spread taken as "
        f"{_fmt(pending.sd * limits.total_max)} points); a dip with only a partial return "
        f"counts."
    )
