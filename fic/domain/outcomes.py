"""Outcome on the wellbeing check: Jacobson–Truax classification and not-on-track.

Change is measured from intake (the first wellbeing score of the course) and oriented so
that positive = better, whatever the instrument's direction. With RC the instrument's
reliable-change threshold (1.96 · SD · √(2(1 − r))):
- recovered: improved by at least RC and crossed the clinical cutoff from the clinical
  side to the healthy side;
- reliably improved: improved by at least RC (already on the healthy side at intake, or
  not yet across the cutoff);
- reliably deteriorated: worsened by at least RC;
- no reliable change: anything else.
Not on track: reliable deterioration, or no reliable improvement by session N. When a
clinic loads an expected-trajectory table (expected score by intake band and session), a
score below the expected one (minus a tolerance) replaces the session-N rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fic.domain.instruments import Instrument
from fic.errors import InstrumentError

RECOVERED = "recovered"
IMPROVED = "reliably_improved"
NO_CHANGE = "no_reliable_change"
DETERIORATED = "reliably_deteriorated"
CATEGORIES = (RECOVERED, IMPROVED, NO_CHANGE, DETERIORATED)


@dataclass(frozen=True)
class Band:
    """Clients whose intake lies in [intake_from, intake_to) and their expected scores."""

    intake_from: float
    intake_to: float
    expected: tuple[tuple[int, float], ...]  # (session number, expected score), ascending

    def expected_at(self, session: int) -> float | None:
        """The expected score at a session; past the table's end, its last value."""
        known = [score for number, score in self.expected if number <= session]
        return known[-1] if known else None


@dataclass(frozen=True)
class Trajectory:
    bands: tuple[Band, ...]
    tolerance: float = 0.0

    def expected(self, intake: float, session: int) -> float | None:
        for band in self.bands:
            if band.intake_from <= intake < band.intake_to:
                return band.expected_at(session)
        return None


@dataclass(frozen=True)
class Progress:
    session: int
    intake: float
    score: float
    category: str
    not_on_track: bool

    @property
    def is_reliable_deterioration(self) -> bool:
        return self.category == DETERIORATED


def classify(intake: float, score: float, instrument: Instrument) -> str:
    if instrument.cutoff is None:
        raise InstrumentError(f"instrument {instrument.id!r} gives no cutoff")
    sign = 1.0 if instrument.higher_is_better else -1.0
    change = sign * (score - intake)
    threshold = instrument.reliable_change()
    if change <= -threshold:
        return DETERIORATED
    if change < threshold:
        return NO_CHANGE
    was_clinical = sign * (intake - instrument.cutoff) < 0
    now_healthy = sign * (score - instrument.cutoff) >= 0
    return RECOVERED if was_clinical and now_healthy else IMPROVED


def progress(
    intake: float,
    score: float,
    session: int,
    instrument: Instrument,
    by_session: int = 6,
    trajectory: Trajectory | None = None,
) -> Progress:
    category = classify(intake, score, instrument)
    if category == DETERIORATED:
        off = True
    elif trajectory is not None:
        off = _below_expected(intake, score, session, instrument, trajectory)
    else:
        off = session >= by_session and category == NO_CHANGE
    return Progress(session, intake, score, category, off)


def course_progress(
    scores: Sequence[tuple[int, float | None]],
    instrument: Instrument,
    by_session: int = 6,
    trajectory: Trajectory | None = None,
) -> list[Progress]:
    """Progress at every session that has a score, measured from the first score."""
    given = [(session, score) for session, score in scores if score is not None]
    if not given:
        return []
    intake = given[0][1]
    return [
        progress(intake, score, session, instrument, by_session, trajectory)
        for session, score in given
    ]


def _below_expected(
    intake: float, score: float, session: int, instrument: Instrument, trajectory: Trajectory
) -> bool:
    expected = trajectory.expected(intake, session)
    if expected is None:
        return False
    sign = 1.0 if instrument.higher_is_better else -1.0
    return sign * (score - expected) < -trajectory.tolerance
