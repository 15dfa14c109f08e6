"""Rupture detection over one client's ordered history of alliance checks.

`assess` looks at the whole history and returns every signal, each tied to the visit that
raised it. It only ever looks backwards from a visit, so adding a visit never changes the
signals of earlier ones; callers may store the signals keyed by visit and rule and rerun
`assess` as often as they like.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fic.domain.instruments import Instrument

LEVELS = ("watch", "low_alliance", "rupture", "escalation", "urgent")
PUSHED = frozenset(LEVELS) - {"watch"}


@dataclass(frozen=True)
class Visit:
    """One session's form. `total` is None when the form was missed or left partial."""

    number: int
    total: float | None
    items: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Signal:
    number: int
    rule: str
    level: str


@dataclass(frozen=True)
class Policy:
    cutoff: float | None = None  # None: the instrument's own cutoff
    item_concern: float | None = None  # None: the instrument's own
    low_run: int = 3  # below cutoff this many valid sessions running = low_alliance
    rci_z: float = 1.96

    def reliable_drop(self, instrument: Instrument) -> float:
        """RCI = z · SD · √(2(1 − r)), in points of the instrument's total."""
        return self.rci_z * instrument.sd * math.sqrt(2 * (1 - instrument.reliability))


def assess(history: Sequence[Visit], instrument: Instrument, policy: Policy) -> list[Signal]:
    signals: list[Signal] = []
    valid = [v for v in history if v.total is not None]
    for index, visit in enumerate(valid):
        signals.extend(_below_cutoff(valid[: index + 1], instrument, policy))
        if index:
            signals.extend(_reliable_drop(valid[index - 1], visit, instrument, policy))
    return signals


def _below_cutoff(seen: Sequence[Visit], instrument: Instrument, policy: Policy) -> list[Signal]:
    cutoff = policy.cutoff if policy.cutoff is not None else instrument.cutoff
    concern = policy.item_concern if policy.item_concern is not None else instrument.item_concern
    visit = seen[-1]
    assert visit.total is not None  # noqa: S101 - assess passes valid visits only
    low_item = concern is not None and any(p < concern for p in visit.items.values())
    if visit.total >= cutoff and not low_item:
        return []
    run = seen[-policy.low_run :]
    if len(run) == policy.low_run and all(v.total is not None and v.total < cutoff for v in run):
        return [Signal(visit.number, "R1", "low_alliance")]
    return [Signal(visit.number, "R1", "watch")]


def _reliable_drop(
    before: Visit, visit: Visit, instrument: Instrument, policy: Policy
) -> list[Signal]:
    assert before.total is not None and visit.total is not None  # noqa: S101
    if before.total - visit.total >= policy.reliable_drop(instrument):
        return [Signal(visit.number, "R2", "rupture")]
    return []
