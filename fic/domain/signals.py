"""What the rules say about a visit: a signal with a rule and a level, and which are pushed.

`watch` is a cue shown beside the client's trajectory and never pushed; every other level
is an alert that someone receives and acknowledges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WATCH = "watch"
LOW_ALLIANCE = "low_alliance"
RUPTURE = "rupture"
ESCALATION = "escalation"
URGENT = "urgent"
LEVELS = (WATCH, LOW_ALLIANCE, RUPTURE, ESCALATION, URGENT)
PUSHED = frozenset(LEVELS) - {WATCH}


@dataclass(frozen=True)
class Signal:
    """Rule `rule` raised `level` at the visit numbered `number` (within `episode`, if any).

    `reason` says why in plain words with the numbers (alerts carry one; cues may not). It
    is an explanation, not part of the signal's identity, so it does not take part in
    comparisons.
    """

    number: int
    rule: str
    level: str
    episode: int | None = None
    reason: str | None = field(default=None, compare=False)

    @property
    def is_pushed(self) -> bool:
        return self.level in PUSHED
