"""Calibrate R3 on a clinic's own clients: pooled noise, then the threshold.

1. The pooled within-client SD σ0 and its prior weight ν0 are fitted from every client's
   valid totals (fic.domain.noise). With fewer than MIN_CLIENTS clients that give a
   variance, the shipped pooled noise is kept and the report says so.
2. rupture_z is set so that simulated no-change 12-session courses of this clinic raise
   a rupture in `target` of courses (default 8%; on bench/false_alarms.py it lands at
   4–8% on fresh courses, under the 10% asked for): each simulated course is one real
   client of the clinic (drawn at random) replayed with their own deviations from their
   usual level drawn again (a smoothed bootstrap; see `_simulate`), 5% missed forms, and
   runs through the very same rules. A real rupture in a client's history makes the
   replay noisier, so the threshold comes out stricter, never looser. The search is a
   bisection (a smaller rupture_z only ever adds ruptures) that never goes below
   LOWEST_Z. Before it, R4's cusum_h is raised if slow-erosion alarms alone would take
   more than half of the target. The simulation is seeded: same history, same policy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from fic.domain.instruments import Instrument
from fic.domain.noise import Noise, fit_noise
from fic.domain.policy import Policy
from fic.domain.predictive import CEILING
from fic.domain.rules import rescale
from fic.domain.ruptures import Visit, assess_course
from fic.domain.signals import ESCALATION, RUPTURE

MIN_CLIENTS = 20
LOWEST_Z = 2.33  # never looser than a 1-in-100 session, however quiet the clinic
SESSIONS = 12
_LEVELS = frozenset({RUPTURE, ESCALATION})


@dataclass(frozen=True)
class Calibration:
    policy: Policy
    noise: Noise | None  # None: too few clients, the shipped pooled noise was kept
    clients: int
    forms: int
    false_course_rate: float  # expected share of no-change 12-session courses with a rupture
    target: float

    def settings(self) -> dict[str, object]:
        """The policy-file keys this calibration sets."""
        return {
            "pooled_sd": round(self.policy.pooled_sd or 0.0, 5),
            "prior_df": round(self.policy.prior_df, 2),
            "rupture_z": round(self.policy.rupture_z, 3),
            "watch_z": round(self.policy.watch_z, 3),
            "cusum_h": round(self.policy.cusum_h, 2),
            "calibration": self.policy.calibration,
        }


def calibrate(
    courses: Sequence[Sequence[Visit]],
    instrument: Instrument,
    base: Policy,
    where: str,
    target: float = 0.08,
    simulated: int = 400,
    seed: int = 10,
) -> Calibration:
    """The policy `base` with R3 fitted to these clients' courses (`where` names them)."""
    totals = [
        [rescale(v.total, instrument) for v in course if v.total is not None] for course in courses
    ]
    totals = [t for t in totals if t]
    noise = fit_noise(totals)
    forms = sum(len(t) for t in totals)
    if noise is not None and noise.clients >= MIN_CLIENTS:
        fitted = replace(base, pooled_sd=min(1.0, noise.pooled_sd), prior_df=noise.prior_df)
    else:
        noise = None
        fitted = replace(base, pooled_sd=base.pooled_sd_for(instrument))
    rng = random.Random(seed)  # noqa: S311 - a seeded simulation, not a secret
    usable = [t for t in totals if len(t) >= 3] or [[0.9, 0.9, 0.9]]
    sims = [_simulate(rng, usable, instrument) for _ in range(simulated)]
    fitted = _erosion_within(sims, instrument, fitted, target / 2)
    low, high = LOWEST_Z, 6.0
    for _ in range(14):
        middle = (low + high) / 2
        if _false_rate(sims, instrument, _at(fitted, middle)) > target:
            low = middle
        else:
            high = middle
    tuned = _at(fitted, high)
    rate = _false_rate(sims, instrument, tuned)
    source = (
        f"fitted pooled noise {noise.pooled_sd * instrument.total_max:.2f} points (prior "
        f"worth {noise.prior_df:.1f} sessions) from {noise.clients} clients"
        if noise is not None
        else f"too few clients ({len(totals)}) for their own pooled noise: the shipped "
        f"{fitted.pooled_sd_for(instrument) * instrument.total_max:.2f} points is kept"
    )
    note = (
        f"clinic data: {where}, {len(totals)} clients, {forms} forms; {source}; rupture_z "
        f"set so that simulated no-change {SESSIONS}-session courses raise a rupture in "
        f"{rate:.1%} (target {target:.0%})"
    )
    tuned = replace(tuned, calibration=note)
    return Calibration(tuned, noise, len(totals), forms, rate, target)


def _erosion_within(
    sims: Sequence[list[Visit]], instrument: Instrument, policy: Policy, share: float
) -> Policy:
    """R4 on its own may use at most `share` of the false courses: raise cusum_h if not."""
    alone = replace(policy, disabled_rules=policy.disabled_rules | {"R3"})
    if _false_rate(sims, instrument, alone) <= share:
        return policy
    low, high = policy.cusum_h, 4 * policy.cusum_h
    for _ in range(10):
        middle = (low + high) / 2
        if _false_rate(sims, instrument, replace(alone, cusum_h=middle)) > share:
            low = middle
        else:
            high = middle
    return replace(policy, cusum_h=high)


def _at(policy: Policy, rupture_z: float) -> Policy:
    return replace(policy, rupture_z=rupture_z, watch_z=min(policy.watch_z, rupture_z))


def _false_rate(sims: Sequence[list[Visit]], instrument: Instrument, policy: Policy) -> float:
    flagged = 0
    for visits in sims:
        course = assess_course(visits, instrument, policy)
        flagged += any(s.level in _LEVELS for s in course.alerts)
    return flagged / len(sims)


def _simulate(
    rng: random.Random, clients: Sequence[list[float]], instrument: Instrument
) -> list[Visit]:
    """A no-change course like one real client's: their usual level plus their own
    deviations from it, drawn again at random (a smoothed bootstrap: a little normal
    jitter, a quarter of their SD, so a short history does not repeat itself exactly).
    Clipping at the ends and all-ten forms come along with the client's own forms."""
    totals = rng.choice(clients)
    centre = _median(totals)
    gaps = [x - centre for x in totals]
    sd = math.sqrt(sum(g * g for g in gaps) / max(1, len(gaps) - 1))
    step = 1 / (10 * instrument.total_max)  # forms keep tenths of a point
    visits = []
    for number in range(1, SESSIONS + 1):
        if rng.random() < 0.05:
            visits.append(Visit(number, None))
            continue
        gap = rng.choice(gaps)
        x = 1.0 if centre + gap >= CEILING else centre + gap + rng.gauss(0, sd / 4)
        x = min(1.0, max(0.0, round(x / step) * step))
        total = x if instrument.higher_is_better else 1.0 - x
        visits.append(Visit(number, round(total * instrument.total_max, 1)))
    return visits


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
