"""Rupture detection over one client's ordered history of alliance checks.

`assess_course` folds the history visit by visit through the rules (fic.domain.rules) and
the episode book (fic.domain.episodes) and returns every signal, each tied to the visit
that raised it, plus the episodes as they stand after the last visit. Every rule only
looks backwards from a visit, so adding a visit never changes the signals of earlier
ones: callers may store signals keyed by (episode, rule, level) and rerun as often as
they like. `Tracker` is the same fold, usable incrementally one visit at a time.

A visit whose total is None is a missed or partial form. The gap itself never raises
anything but its own quiet cue (M1, watch); what the client did answer on a partial
form (tension, a comment) is still heard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from fic.domain import reasons, rules
from fic.domain.baseline import Baseline, robust_baseline
from fic.domain.episodes import Episode, EpisodeBook
from fic.domain.instruments import Instrument
from fic.domain.outcomes import Progress, progress
from fic.domain.policy import Policy
from fic.domain.predictive import predict
from fic.domain.signals import LEVELS, PUSHED, RUPTURE, URGENT, WATCH, Signal
from fic.errors import HistoryError, PolicyError

__all__ = [
    "LEVELS", "PUSHED", "Course", "Episode", "Policy", "PolicyError", "Signal", "Tracker",
    "Visit", "assess", "assess_course",
]  # fmt: skip


@dataclass(frozen=True)
class Visit:
    """One session's form. `total` is None when the form was missed or left partial.

    `items` holds the scored items in points; `tension` is none / little / some / lot;
    `wellbeing` is the wellbeing-check total given at the start of this session.
    """

    number: int
    total: float | None
    items: Mapping[str, float] = field(default_factory=dict)
    tension: str | None = None
    talked_through: bool | None = None
    comment: str | None = None
    wellbeing: float | None = None


@dataclass(frozen=True)
class Course:
    signals: tuple[Signal, ...]
    episodes: tuple[Episode, ...]
    progress: tuple[Progress, ...] = ()

    @property
    def alerts(self) -> tuple[Signal, ...]:
        """The signals someone is told about: every level but watch."""
        return tuple(signal for signal in self.signals if signal.level in PUSHED)

    @property
    def active_episode(self) -> Episode | None:
        last = self.episodes[-1] if self.episodes else None
        return last if last is not None and last.is_active else None


class Tracker:
    """The fold behind assess_course, one visit at a time (for incremental callers)."""

    def __init__(
        self, instrument: Instrument, policy: Policy, wellbeing: Instrument | None = None
    ) -> None:
        self._instrument, self._policy, self._wellbeing = instrument, policy, wellbeing
        self._book = EpisodeBook(policy)
        self._pooled = policy.pooled_sd_for(instrument)
        # R4/R6's floor: the instrument's SD of a difference, or the pooled noise's if wider
        self._floor = max(policy.floor_for(instrument), self._pooled * 2**0.5)
        self._limits = rules.Limits.of(instrument, policy)
        self._scores: list[float] = []  # the latest valid visits on the 0–1 scale, in order
        self._count = 0  # valid visits seen; self._scores keeps only the tail the rules need
        self._keep = max(policy.baseline_max, policy.spread_window) + policy.cusum_window
        self._signals: list[Signal] = []
        self._progress: list[Progress] = []
        self._low_running = 0
        self._left_perfect = False
        self._last_number: int | None = None
        self._progress_offset = 0
        self._cusum_reference = (-1, Baseline(0.0, 1.0, 0))  # (start index, its baseline)
        self._pending: rules.Pending | None = None  # the last valid session, if a dip

    def course(self) -> Course:
        progress = tuple(self._progress[self._progress_offset :])
        return Course(tuple(self._signals), self._book.episodes, progress)

    def add(self, visit: Visit) -> list[Signal]:
        if self._last_number is not None and visit.number <= self._last_number:
            raise HistoryError("visits must be in strictly increasing session order")
        self._last_number = visit.number
        poor = self._update_progress(visit)
        hits: list[tuple[str, str, str | None]] = []
        x = None if visit.total is None else rules.rescale(visit.total, self._instrument)
        if x is None:
            hits.append(("M1", WATCH, None))
        else:
            hits += self._score_rules(visit, x)
        report = rules.client_report(visit.tension, visit.talked_through, self._policy)
        if report is not None:
            why = reasons.tension(visit.tension or "", x, self._limits)
            hits.append(("R5", report, why if report == RUPTURE else None))
        found = [hit for hit in hits if self._policy.enabled(hit[0])]
        signals = [Signal(visit.number, r, level, reason=why)
                   for r, level, why in found if level != RUPTURE]  # fmt: skip
        detections = [r for r, level, _ in found if level == RUPTURE]
        why_by_rule = {r: why for r, level, why in found if level == RUPTURE and why}
        signals += self._book.step(
            visit.number, x, detections, self._reference, poor, report == RUPTURE, why_by_rule
        )
        if self._policy.enabled("S1") and rules.risk_language(visit.comment, self._policy):
            signals.append(Signal(visit.number, "S1", URGENT))
        if x is not None:
            self._scores.append(x)
            self._count += 1
            if len(self._scores) > 2 * self._keep:
                del self._scores[: -self._keep]
        self._signals += signals
        return signals

    def snapshot(self) -> dict[str, Any]:
        """The state after the last visit as JSON-able values, for `resume`."""
        last = self._progress[-1] if self._progress else None
        return {
            "count": self._count, "scores": self._scores[-self._keep :],
            "low_running": self._low_running, "left_perfect": self._left_perfect,
            "last_number": self._last_number, "episodes": self._book.snapshot(),
            "pending": None if self._pending is None else asdict(self._pending),
            "progress": None if last is None else [
                last.session, last.intake, last.score, last.category, last.not_on_track
            ],
        }  # fmt: skip

    @classmethod
    def resume(
        cls,
        state: Mapping[str, Any],
        instrument: Instrument,
        policy: Policy,
        wellbeing: Instrument | None = None,
    ) -> Tracker:
        """A tracker that continues where `snapshot` left off, with the same results.

        Its course() holds only the signals (and progress) of visits added after resuming;
        its episodes are the whole course's.
        """
        tracker = cls(instrument, policy, wellbeing)
        tracker._count, tracker._scores = state["count"], list(state["scores"])
        tracker._low_running, tracker._left_perfect = state["low_running"], state["left_perfect"]
        tracker._last_number = state["last_number"]
        tracker._book.resume(state["episodes"])
        pending = state.get("pending")
        tracker._pending = None if pending is None else rules.Pending(**pending)
        if state["progress"] is not None:
            session, intake, score, category, off = state["progress"]
            tracker._progress = [Progress(session, intake, score, category, off)]
        tracker._progress_offset = len(tracker._progress)
        return tracker

    def _score_rules(self, visit: Visit, x: float) -> list[tuple[str, str, str | None]]:
        policy, limits, prior = self._policy, self._limits, self._scores
        hits: list[tuple[str, str, str | None]] = []
        self._low_running = self._low_running + 1 if limits.is_low(x) else 0
        level = rules.below_cutoff(x, visit.items, self._low_running, limits)
        if level is not None:
            why = reasons.low_alliance(x, limits) if level != WATCH else None
            hits.append(("R1", level, why))
        prediction, count = None, self._count
        if count >= policy.baseline_min:
            prediction = predict(
                prior, policy.baseline_max, policy.spread_window, self._pooled, policy.prior_df
            )
        if prior and rules.reliable_drop(prior[-1], x, limits):
            below = prediction is None or prediction.z(x) <= -policy.watch_z
            level = policy.reliable_drop_level if below else WATCH
            why = reasons.reliable_drop(prior[-1], x, limits) if level == RUPTURE else None
            hits.append(("R2", level, why))
        if prior and not self._left_perfect and rules.first_drop_from_perfect(prior[-1], x):
            self._left_perfect = True
            hits.append(("R5", WATCH, None))
        pending, self._pending = self._pending, None
        dip = None
        if prediction is not None:
            dip = rules.personal_dip(x, visit.items, visit.tension, prediction, limits, policy)
        if (dip is None or dip.level != RUPTURE) and pending is not None and (
            rules.partial_return(pending, x, policy) is not None
        ):  # the dip before and today together: one R3 finding, never two
            hits.append(("R3", RUPTURE, reasons.partial_return(pending, x, limits)))
        elif dip is not None and prediction is not None:
            why = reasons.dip(x, prediction, dip, limits, policy, self._pooled)
            hits.append(("R3", dip.level, why if dip.level == RUPTURE else None))
        if prediction is not None:
            if prediction.centre - x >= max(policy.min_drop, 1e-12):
                _, factor = rules.evidence(x, visit.items, visit.tension, prediction, limits,
                                           policy)  # fmt: skip
                self._pending = rules.Pending.of(prediction, x, factor)
            start = max(policy.baseline_min, count + 1 - policy.cusum_window)
            local = start - (count - len(prior))  # where `start` sits in the kept tail
            if self._cusum_reference[0] != start:
                values = prior[max(0, local - policy.baseline_max) : local]
                self._cusum_reference = (start, self._erosion_reference(values))
            window = [*prior[local:], x]
            if rules.slow_erosion(self._cusum_reference[1], window, policy):
                why = reasons.erosion(self._cusum_reference[1], window, limits)
                hits.append(("R4", RUPTURE, why))
        return hits

    def _erosion_reference(self, values: Sequence[float]) -> Baseline:
        """R4's reference: the robust baseline, its SD at least this client's shrunk SD."""
        base = robust_baseline(values, self._floor)
        policy = self._policy
        spread = predict(
            values, policy.baseline_max, policy.spread_window, self._pooled, policy.prior_df
        ).sd
        return Baseline(base.median, max(base.sd, spread), base.size)

    def _reference(self) -> Baseline:
        """What a rupture opened now is repaired against: the baseline before this visit."""
        prior, policy = self._scores[-self._policy.baseline_max :], self._policy
        if prior:
            return robust_baseline(prior, self._floor)
        cutoff = policy.cutoff_for(self._instrument)
        line = 1.0 if cutoff is None else rules.rescale(cutoff, self._instrument)
        return Baseline(median=line, sd=self._floor, size=0)

    def _update_progress(self, visit: Visit) -> bool:
        if self._wellbeing is not None and visit.wellbeing is not None:
            intake = self._progress[0].intake if self._progress else visit.wellbeing
            self._progress.append(
                progress(
                    intake, visit.wellbeing, visit.number, self._wellbeing,
                    self._policy.progress_session, self._policy.trajectory,
                )  # fmt: skip
            )
        return (
            self._policy.escalate_on_poor_progress
            and bool(self._progress)
            and self._progress[-1].not_on_track
        )


def assess_course(
    history: Sequence[Visit],
    instrument: Instrument,
    policy: Policy,
    wellbeing_instrument: Instrument | None = None,
) -> Course:
    """Every signal of the course and its episodes as they stand after the last visit."""
    tracker = Tracker(instrument, policy, wellbeing_instrument)
    for visit in history:
        tracker.add(visit)
    return tracker.course()


def assess(history: Sequence[Visit], instrument: Instrument, policy: Policy) -> list[Signal]:
    """Every signal over the whole history, each tied to its visit."""
    return list(assess_course(history, instrument, policy).signals)
