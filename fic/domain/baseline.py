"""A client's own baseline, and the statistics judged against it (R3 z-score, R4 CUSUM).

Scores are on the 0–1 scale (1 = best). The baseline is the median of the last few valid
sessions and a robust SD: MAD × 1.4826, never below the policy's SD floor. The floor is
the between-person guard of Gumz et al. (2012): when a client's own scores barely move
(or sit at the ceiling, where the MAD is 0), a within-person SD alone would call every
small dip a rupture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Baseline:
    median: float
    sd: float
    size: int

    def z(self, x: float) -> float:
        return (x - self.median) / self.sd

    def returned(self, x: float, within_sds: float) -> bool:
        """x is back at or above median − within_sds · SD (R6's repair line)."""
        return x >= self.median - within_sds * self.sd


def robust_baseline(values: Sequence[float], sd_floor: float) -> Baseline:
    """Median and max(MAD × 1.4826, floor) of the values (at least one)."""
    median = _median(values)
    mad = _median([abs(v - median) for v in values]) if len(values) > 1 else 0.0
    return Baseline(median=median, sd=max(mad * MAD_TO_SD, sd_floor), size=len(values))


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def lower_cusum(reference: Baseline, window: Sequence[float], k: float) -> float:
    """The lower CUSUM at the last value of the window, started at the window's first.

    S_t = max(0, S_{t−1} + (μ0 − x_t)/σ − k) with S = 0 before the window; it equals the
    largest sum of (μ0 − x)/σ − k over the runs of the window that end at its last value,
    and so can only grow when k shrinks.
    """
    total = 0.0
    for x in window:
        total = max(0.0, total + (reference.median - x) / reference.sd - k)
    return total
