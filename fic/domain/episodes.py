"""Rupture episodes: detections become at most one rupture alert and one escalation each.

States: open → repaired (R6: back to the baseline line within the repair window)
        open → escalated (R7: window over and not back, or poor wellbeing progress)
        escalated → closed (back to the baseline line, or stale after `stale_after`)
        open → closed (back, but only after the window, when forms in it were missed)
While an episode is open or escalated, further detections are recorded as its rules and
shown as watch cues, except the client's first report of tension not talked through in
the episode, which is always told. A detection within `cooldown` sessions of a close reopens that
episode (the repair did not hold) instead of alerting again; after that, it opens a new
one. Visits without a score (missed or partial forms) never repair, close or escalate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from fic.domain.baseline import Baseline
from fic.domain.policy import Policy
from fic.domain.signals import ESCALATION, RUPTURE, WATCH, Signal

OPEN = "open"
REPAIRED = "repaired"
ESCALATED = "escalated"
CLOSED = "closed"
STATES = (OPEN, REPAIRED, ESCALATED, CLOSED)
PRIORITY = ("R5", "R3", "R2", "R4")  # the rule named on an episode's one rupture alert


@dataclass(frozen=True)
class Episode:
    number: int
    state: str
    opened_at: int
    closed_at: int | None
    rules: tuple[str, ...]
    escalated_at: int | None = None
    reason: str | None = None  # why the episode opened, in words and numbers

    @property
    def is_active(self) -> bool:
        return self.state in (OPEN, ESCALATED)

    @property
    def repaired(self) -> bool:
        return self.state == REPAIRED


@dataclass
class _Live:
    number: int
    state: str
    opened_at: int
    window_end: int
    reference: Baseline
    rules: list[str]
    closed_at: int | None = None
    escalated_at: int | None = None
    reason: str | None = None

    def frozen(self) -> Episode:
        return Episode(
            self.number, self.state, self.opened_at, self.closed_at, tuple(self.rules),
            self.escalated_at, self.reason,
        )  # fmt: skip


class EpisodeBook:
    """The episodes of one client's course, advanced one visit at a time."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._episodes: list[_Live] = []

    @property
    def episodes(self) -> tuple[Episode, ...]:
        return tuple(live.frozen() for live in self._episodes)

    def snapshot(self) -> list[dict[str, Any]]:
        return [asdict(live) for live in self._episodes]

    def resume(self, state: Sequence[dict[str, Any]]) -> None:
        self._episodes = [
            _Live(**{
                "reason": None, **row, "reference": Baseline(**row["reference"]),
                "rules": list(row["rules"]),
            })  # fmt: skip
            for row in state
        ]

    def step(
        self,
        number: int,
        x: float | None,
        detections: Sequence[str],
        reference: Callable[[], Baseline],
        poor_progress: bool,
        unresolved_tension: bool,
        reasons: Mapping[str, str] | None = None,
    ) -> list[Signal]:
        """Advance the course by the visit `number` and return the signals it raises.

        `detections` names the rules that found a rupture at this visit (`reasons` says
        why, by rule); `reference()` gives the baseline a new episode would be repaired
        against; `x` is None for a visit without a score.
        """
        signals: list[Signal] = []
        last = self._episodes[-1] if self._episodes else None
        if last is not None and last.state in (OPEN, ESCALATED) and x is not None:
            back = last.reference.returned(x, self._policy.repair_sd) and not unresolved_tension
            self._advance(last, number, back, poor_progress, signals)
        if not detections:
            return signals
        rules = sorted(detections, key=PRIORITY.index)
        if last is not None and (last.state in (OPEN, ESCALATED) or last.closed_at == number):
            return signals + self._record(last, number, rules, reasons or {})
        if last is not None and last.closed_at is not None:
            if number - last.closed_at <= self._policy.cooldown:
                last.state = ESCALATED if last.escalated_at is not None else OPEN
                last.window_end = number + self._policy.repair_window
                last.closed_at = None
                return signals + self._record(last, number, rules, reasons or {})
        live = _Live(
            number=len(self._episodes) + 1,
            state=OPEN,
            opened_at=number,
            window_end=number + self._policy.repair_window,
            reference=reference(),
            rules=[],
            reason=(reasons or {}).get(rules[0]),
        )
        self._episodes.append(live)
        signals.append(Signal(number, rules[0], RUPTURE, live.number, live.reason))
        signals += self._record(live, number, rules[1:], reasons or {})
        live.rules.insert(0, rules[0])
        if poor_progress and self._policy.enabled("R7"):
            self._escalate(live, number, signals)
        return signals

    def _advance(
        self, live: _Live, number: int, back: bool, poor_progress: bool, signals: list[Signal]
    ) -> None:
        if live.state == ESCALATED:
            if back or number - live.opened_at >= self._policy.stale_after:
                live.state, live.closed_at = CLOSED, number
        elif back:
            in_window = number <= live.window_end and self._policy.enabled("R6")
            live.state, live.closed_at = (REPAIRED if in_window else CLOSED), number
        elif self._policy.enabled("R7") and (number >= live.window_end or poor_progress):
            self._escalate(live, number, signals)
        elif number - live.opened_at >= self._policy.stale_after:
            live.state, live.closed_at = CLOSED, number

    def _escalate(self, live: _Live, number: int, signals: list[Signal]) -> None:
        live.state = ESCALATED
        if live.escalated_at is None:
            live.escalated_at = number
            signals.append(Signal(number, "R7", ESCALATION, live.number))

    def _record(
        self, live: _Live, number: int, rules: Sequence[str], reasons: Mapping[str, str]
    ) -> list[Signal]:
        """Further detections in a live episode are cues, except the client's own first
        report of tension not talked through: that is always told (once an episode)."""
        signals = []
        for rule in rules:
            level = RUPTURE if rule == "R5" and rule not in live.rules else WATCH
            if rule not in live.rules:
                live.rules.append(rule)
            signals.append(Signal(number, rule, level, live.number, reasons.get(rule)))
        return signals
