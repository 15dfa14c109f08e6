"""The pooled within-client noise of a clinic's clients (empirical Bayes, Smyth 2004).

Each client with three or more valid forms below the ceiling gives a sample variance s²
of their totals with d = m − 1 degrees of freedom. If every client's true variance σ² is
drawn from a scaled inverse-χ² with ν0 degrees of freedom around σ0², then log s² has
mean log σ0² + ψ(d/2) − log(d/2) − ψ(ν0/2) + log(ν0/2) and variance ψ'(d/2) + ψ'(ν0/2)
(ψ, ψ' = digamma, trigamma). Matching the moments gives σ0 (the pooled SD) and ν0 (how
many sessions' worth of evidence the pool is for a new client: large when the clinic's
clients are alike in noise, small when they differ). Ruptures and drifts in the history
make the pool noisier, which makes the detector more cautious, never less.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fic.domain.predictive import CEILING

MAX_PRIOR_DF = 50.0


@dataclass(frozen=True)
class Noise:
    pooled_sd: float  # σ0 on the 0–1 scale
    prior_df: float  # ν0
    clients: int  # clients that gave a variance
    forms: int  # forms behind those variances


def fit_noise(courses: Iterable[Sequence[float]]) -> Noise | None:
    """σ0 and ν0 from each client's valid totals (0–1 scale, in session order); None if
    fewer than two clients have three forms below the ceiling."""
    samples: list[tuple[float, int]] = []
    forms = 0
    for totals in courses:
        below = [x for x in totals if x < CEILING]
        if len(below) < 3:
            continue
        mean = sum(below) / len(below)
        variance = sum((x - mean) ** 2 for x in below) / (len(below) - 1)
        if variance <= 0:
            continue
        samples.append((variance, len(below) - 1))
        forms += len(below)
    if len(samples) < 2:
        return None
    centred = [math.log(v) - digamma(d / 2) + math.log(d / 2) for v, d in samples]
    mean = sum(centred) / len(centred)
    spread = sum((e - mean) ** 2 for e in centred) / (len(centred) - 1)
    excess = spread - sum(trigamma(d / 2) for _, d in samples) / len(samples)
    prior_df = MAX_PRIOR_DF if excess <= 0 else min(MAX_PRIOR_DF, 2 * _trigamma_inverse(excess))
    log_var = mean + digamma(prior_df / 2) - math.log(prior_df / 2)
    return Noise(math.sqrt(math.exp(log_var)), prior_df, len(samples), forms)


def digamma(x: float) -> float:
    result = 0.0
    while x < 6:
        result -= 1 / x
        x += 1
    inv = 1 / (x * x)
    return result + math.log(x) - 0.5 / x - inv * (1 / 12 - inv * (1 / 120 - inv / 252))


def trigamma(x: float) -> float:
    result = 0.0
    while x < 6:
        result += 1 / (x * x)
        x += 1
    inv = 1 / (x * x)
    return result + 1 / x + inv / 2 + inv / x * (1 / 6 - inv * (1 / 30 - inv / 42))


def _trigamma_inverse(y: float) -> float:
    """x with trigamma(x) = y > 0 (Newton's method as in limma's trigammaInverse)."""
    x = 0.5 + 1 / y
    for _ in range(50):
        step = trigamma(x) * (1 - trigamma(x) / y) / _tetragamma(x)
        x += step
        if -step / x < 1e-8:
            break
    return x


def _tetragamma(x: float, h: float = 1e-5) -> float:
    return (trigamma(x + h) - trigamma(x - h)) / (2 * h)
