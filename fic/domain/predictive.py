"""This client's own predictive distribution for the next alliance total (rule R3).

Scores are on the 0–1 scale (1 = best). From the valid sessions before the one judged:
- centre: the client's usual level over the last few sessions (the mean of two, the
  median of three or more, see `_level`) of every recent form, those at the ceiling
  included: an all-ten form says the client is at least that high, which a median uses
  rightly. Leaving them out pulled a near-ceiling client's
  centre down, so that a 5-point dip showed as a 3-point drop (bench/rupture_attribution.py
  found it the commonest reason a dip was missed);
- spread: the client's own lower semi-deviation, s² = mean of (median − x)² over the
  recent sessions below their median, d = how many (half of those tied at the median,
  below the ceiling, count as zero gaps: a client who gives 38 every time is quiet).
  Ceiling-aware: the ceiling clips the upper tail of a client's scores (and all-ten
  forms sit there), so the upper side says little about noise; the lower side, where a
  dip lives, is intact;
- shrinkage toward the pooled within-client variance σ0² of the clinic's clients, with
  a prior worth ν0 sessions (empirical Bayes): s̃² = (ν0·σ0² + d·s²) / (ν0 + d);
- predictive: x − centre ~ s̃ · √(1 + κ/n) · t(ν0 + d), κ/n being the variance of the
  centre itself. With two sessions the t has few degrees of freedom and a wide scale,
  so the bar sits far lower; it tightens as the client's own sessions come in.
`Prediction.z` turns a total into the normal-equivalent z of its lower tail probability,
so one threshold (the policy's rupture_z) means the same false-alarm rate per session
whatever the history length.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

CEILING = 1.0 - 1e-9
_NORMAL = NormalDist()
_SMALLEST = 1e-300


@dataclass(frozen=True)
class Prediction:
    centre: float
    sd: float  # the shrunk SD of one session around the client's level
    own_sd: float | None  # the client's own sample SD, when there are two or more values
    scale: float  # sd · √(1 + κ/n): the spread of a new session around the centre
    df: float
    size: int  # sessions behind the centre
    spread_size: int  # the degrees of freedom of the client's own SD (0: none yet)
    forms: int  # the sessions looked at for it

    def tail(self, x: float) -> float:
        """P(a session this low or lower) under the client's predictive distribution."""
        return student_t_cdf((x - self.centre) / self.scale, self.df)

    def z(self, x: float) -> float:
        """The normal-equivalent z of x's lower tail (−2.58 = a 1-in-200 session)."""
        return _NORMAL.inv_cdf(min(max(self.tail(x), _SMALLEST), 1 - 1e-16))

    def bar(self, tail: float) -> float:
        """The total whose lower tail probability is `tail` (below it counts)."""
        return self.centre - student_t_quantile(tail, self.df) * self.scale


def predict(
    values: Sequence[float], window: int, spread_window: int, pooled_sd: float, prior_df: float
) -> Prediction:
    """The prediction for the next session from the valid sessions `values`, in order."""
    centre_values = list(values[-window:])
    centre, kappa = _level(centre_values)
    spread = values[-spread_window:]
    middle = _median(spread)
    lower = [middle - v for v in spread if v < middle]
    lower += [0.0] * (sum(1 for v in spread if v == middle and v < CEILING) // 2)
    own_sd, d, variance = None, 0, pooled_sd**2
    if lower:
        d = len(lower)
        own = sum(gap * gap for gap in lower) / d
        own_sd = math.sqrt(own)
        variance = (prior_df * pooled_sd**2 + d * own) / (prior_df + d)
    n = len(centre_values)
    sd = math.sqrt(variance)
    return Prediction(
        centre=centre, sd=sd, own_sd=own_sd, scale=sd * math.sqrt(1 + kappa / n),
        df=prior_df + d, size=n, spread_size=d, forms=len(spread),
    )  # fmt: skip


def _level(values: Sequence[float]) -> tuple[float, float]:
    """The client's usual level and κ, its variance in units of σ²/n.

    The mean of one or two sessions (κ = 1), the median of three or more: one earlier dip
    or all-ten form does not move it. κ is the median's variance for normal sessions
    (Monte Carlo, 10⁵ draws a size). The median beat the mean and the trimmed mean on
    bench/false_alarms.py: it catches more dips at the same false-course rate, since a
    recent dip, all-ten form or warm-up session pulls it less.
    """
    n = len(values)
    if n <= 2:
        return sum(values) / n, 1.0
    return _median(values), _MEDIAN_KAPPA.get(n, 1.5)


_MEDIAN_KAPPA = {3: 1.35, 4: 1.2, 5: 1.44, 6: 1.29, 7: 1.48, 8: 1.35, 9: 1.49, 10: 1.38}


def normal_tail(z: float) -> float:
    """P(Z ≤ −z) for the standard normal."""
    return _NORMAL.cdf(-z)


def student_t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with df > 0 degrees of freedom."""
    lower = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return lower if t < 0 else 1.0 - lower


def student_t_quantile(tail: float, df: float) -> float:
    """q ≥ 0 with P(T ≤ −q) = tail (0 < tail ≤ ½), by bisection."""
    low, high = 0.0, 1.0
    while student_t_cdf(-high, df) > tail and high < 1e6:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        if student_t_cdf(-middle, df) > tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta I_x(a, b) (continued fraction, Lentz's method)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        + a * math.log(x) + b * math.log1p(-x)
    )  # fmt: skip
    if x > (a + 1) / (a + b + 2):
        return 1.0 - front * _fraction(b, a, 1 - x) / b
    return front * _fraction(a, b, x) / a


def _fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-12:
            break
    return result


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
