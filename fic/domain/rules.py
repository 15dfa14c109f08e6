"""The detection rules R1–R5 and S1, each a pure function of what is known at one visit.

Each returns the level it raises (or None). None of them knows about episodes: turning
detections into alerts, once per episode, is fic.domain.episodes' job. Every detection
compares a statistic with a threshold of the policy, and the statistic itself never
depends on the thresholds in Policy.LOOSENED, so a looser policy detects wherever a
stricter one does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fic.domain.baseline import Baseline, lower_cusum
from fic.domain.instruments import Instrument
from fic.domain.policy import TENSION, Policy
from fic.domain.predictive import Prediction, normal_tail
from fic.domain.safety import mentions_risk
from fic.domain.signals import LOW_ALLIANCE, RUPTURE, WATCH


@dataclass(frozen=True)
class Limits:
    """The instrument's and policy's thresholds on the 0–1 scale, worked out once a course."""

    cutoff: float | None  # x below this is below the cutoff
    item_concern: float | None  # in item points
    higher_is_better: bool
    drop: float  # R2's reliable change on the 0–1 scale
    low_run: int
    total_max: float = 1.0  # the instrument's total in points, for reasons

    @classmethod
    def of(cls, instrument: Instrument, policy: Policy) -> Limits:
        cutoff = policy.cutoff_for(instrument)
        return cls(
            cutoff=None if cutoff is None else rescale(cutoff, instrument),
            item_concern=policy.item_concern_for(instrument),
            higher_is_better=instrument.higher_is_better,
            drop=policy.reliable_drop(instrument) / instrument.total_max,
            low_run=policy.low_run,
            total_max=instrument.total_max,
        )

    def is_low(self, x: float) -> bool:
        """x (0–1 scale) is on the worse side of the cutoff."""
        return self.cutoff is not None and x < self.cutoff


def rescale(points: float, instrument: Instrument) -> float:
    """A total on the 0–1 scale where 1 is the best score, whatever the direction."""
    share = points / instrument.total_max
    return share if instrument.higher_is_better else 1.0 - share


def below_cutoff(
    x: float, items: Mapping[str, float], low_sessions_running: int, limits: Limits
) -> str | None:
    """R1: a cue below the cutoff or with any item below concern; an alert when it lasts.

    `low_sessions_running` counts the valid sessions below the cutoff up to and including
    this one; the low-alliance alert is raised once, on the session that completes the run.
    """
    concern = limits.item_concern
    if concern is None:
        low_item = False
    elif limits.higher_is_better:
        low_item = any(points < concern for points in items.values())
    else:
        low_item = any(points > concern for points in items.values())
    if not low_item and not limits.is_low(x):
        return None
    return LOW_ALLIANCE if low_sessions_running == limits.low_run else WATCH


def reliable_drop(before: float, x: float, limits: Limits) -> bool:
    """R2: x (0–1) fell from the last valid session by at least the reliable change."""
    return before - x >= limits.drop


@dataclass(frozen=True)
class Dip:
    """R3's finding: how unusual today is for this client, and what lowered the bar."""

    level: str
    tail: float  # P(a session this low) under the client's predictive distribution
    allowed: float  # the tail at or below which today counts as a rupture
    boosts: tuple[str, ...]  # "cutoff", "item:<id>", "tension"
    factor: float = 1.0  # the product of the boosts


def personal_dip(
    x: float,
    items: Mapping[str, float],
    tension: str | None,
    prediction: Prediction,
    limits: Limits,
    policy: Policy,
) -> Dip | None:
    """R3: today's total far in the lower tail of this client's predictive distribution.

    A rupture when P(this low) ≤ boost · Φ(−rupture_z), a watch cue at Φ(−watch_z), and
    never for a drop under min_drop. The boost multiplies for each piece of evidence in
    the same session: below the cutoff while the usual level is not and this client is
    seldom below it (P ≤ cutoff_rare: for a noisy client near the cutoff, crossing it is
    an ordinary swing and tells nothing more), most of the drop in one item that is
    itself below concern, a little tension reported.
    """
    drop = prediction.centre - x
    if drop < policy.min_drop or drop <= 0:
        return None
    boosts, factor = evidence(x, items, tension, prediction, limits, policy)
    tail = prediction.tail(x)
    for level, z in ((RUPTURE, policy.rupture_z), (WATCH, policy.watch_z)):
        allowed = min(0.5, factor * normal_tail(z))
        if tail <= allowed:
            return Dip(level, tail, min(0.5, factor * normal_tail(policy.rupture_z)),
                       boosts, factor)  # fmt: skip
    return None


def evidence(
    x: float,
    items: Mapping[str, float],
    tension: str | None,
    prediction: Prediction,
    limits: Limits,
    policy: Policy,
) -> tuple[tuple[str, ...], float]:
    """What else today says, beside the total: the boosts and their product."""
    boosts, factor = [], 1.0
    if (
        limits.cutoff is not None
        and x < limits.cutoff <= prediction.centre
        and prediction.tail(limits.cutoff) <= policy.cutoff_rare
    ):
        boosts.append("cutoff")
        factor *= policy.cutoff_boost
    item = _concentrated_item(items, (prediction.centre - x) * limits.total_max, limits)
    if item is not None:
        boosts.append(f"item:{item}")
        factor *= policy.item_boost
    if tension in TENSION and TENSION.index(tension) >= TENSION.index(policy.tension_watch):
        boosts.append("tension")
        factor *= policy.tension_boost
    return tuple(boosts), factor


@dataclass(frozen=True)
class Pending:
    """A dip session R3 judged, kept for the next valid session's evidence (JSON-able)."""

    centre: float  # the usual level before the dip
    x: float  # the dip session's total
    sd: float  # the shrunk SD of one session
    kappa_n: float  # the variance of the centre in units of σ² (κ/n)
    df: float
    factor: float  # the dip session's boost

    @classmethod
    def of(cls, prediction: Prediction, x: float, factor: float) -> Pending:
        kappa_n = (prediction.scale / prediction.sd) ** 2 - 1 if prediction.sd > 0 else 0.0
        return cls(prediction.centre, x, prediction.sd, kappa_n, prediction.df, factor)

    def joint(self, x: float) -> Prediction:
        """The predictive of m = (2·dip + next)/3 against the level before the dip: the
        same t, scale s̃·√(5/9 + κ/n) (the two sessions' own noise and the centre's)."""
        scale = self.sd * math.sqrt(5 / 9 + self.kappa_n)
        return Prediction(self.centre, self.sd, None, scale, self.df, 0, 0, 0)


def partial_return(pending: Pending, x: float, policy: Policy) -> float | None:
    """R3 on the session after a dip: the tail of the dip and today taken together, or
    None when today is back at the usual level (a full return is no evidence).

    The weights 2 : 1 fit a V with a partial return (half the drop still there the next
    session); a rupture when that tail ≤ the dip session's boost · Φ(−rupture_z), so a
    looser policy still finds it. Both sessions must be under the usual level by
    min_drop on average, so a small step after a perfect streak never counts.
    """
    if x >= pending.centre:
        return None
    m = (2 * pending.x + x) / 3
    if pending.centre - m < policy.min_drop:
        return None
    tail = pending.joint(x).tail(m)
    return tail if tail <= min(0.5, pending.factor * normal_tail(policy.rupture_z)) else None


def _concentrated_item(
    items: Mapping[str, float], drop_points: float, limits: Limits
) -> str | None:
    """The one item that stands below the others by half the drop or more, below concern."""
    concern = limits.item_concern
    if concern is None or len(items) < 2:
        return None
    sign = 1.0 if limits.higher_is_better else -1.0
    name = min(items, key=lambda key: sign * items[key])
    others = [sign * value for key, value in items.items() if key != name]
    gap = sum(others) / len(others) - sign * items[name]
    low = items[name] < concern if limits.higher_is_better else items[name] > concern
    return name if low and gap >= drop_points / 2 else None


def slow_erosion(reference: Baseline, window: Sequence[float], policy: Policy) -> bool:
    """R4: lower CUSUM above h, on a session that is itself below the reference median.

    The second condition keeps a CUSUM still high from an earlier, repaired drop from
    firing on a session where the client is back at their usual score.
    """
    return (
        window[-1] < reference.median
        and lower_cusum(reference, window, policy.cusum_k) > policy.cusum_h
    )


def client_report(tension: str | None, talked_through: bool | None, policy: Policy) -> str | None:
    """R5: tension at or above `tension_rupture` not talked through is a rupture.

    An unanswered "talked through?" counts as not talked through. Lesser tension, or
    tension that was talked through, is a cue for the clinician.
    """
    if tension not in TENSION or tension == "none":
        return None
    serious = TENSION.index(tension) >= TENSION.index(policy.tension_rupture)
    if serious and talked_through is not True:
        return RUPTURE
    if TENSION.index(tension) >= TENSION.index(policy.tension_watch):
        return WATCH
    return None


def first_drop_from_perfect(before: float, x: float) -> bool:
    """R5's other cue: x (0–1) left a perfect score (the caller keeps it to the first)."""
    return before >= 1.0 and x < 1.0


def risk_language(comment: str | None, policy: Policy) -> bool:
    """S1: the comment contains risk language. Returns only whether; never what."""
    return mentions_risk(comment, policy.safety_terms)
