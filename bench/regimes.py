"""Simulated courses of the session alliance check, over a grid of regimes.

A client has a latent usual total (0–40, ceiling-skewed: 40 minus a gamma deficit), a
per-client noise SD on the total, a chance of simply giving all tens, an optional warm-up
rise over the first sessions and missed forms. Each session's total noise is split over
the four items (mostly a session-wide swing, a little per item); items are clipped to
0–10 and kept in tenths, as the form keeps them. An injected rupture lowers the latent
total by `size` points from the onset session on, in one of these shapes:
- dip: that session only (full return the next);
- dip_partial: that session, half of it the next, then back;
- lasting: from the onset on;
- erosion: a sixth more every session until the full size after six sessions;
- tension: "some" tension not talked through, the scores unchanged.
`size` is max(points, sds × the client's own noise SD), so "5 points and 2.5 SDs" means
a dip of at least 5 points and at least 2.5 personal SDs, exactly at that edge (`above`
draws it up to that share larger instead, as a benchmark of dips "at least" so big). A form
with an injected drop is never an all-ten form and is never missed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from fic.domain.ruptures import Visit

ITEMS = ("safety", "heard", "goals", "approach")


@dataclass(frozen=True)
class Regime:
    name: str
    shape: str = "none"  # none, dip, dip_partial, lasting, erosion, tension
    noise: tuple[float, float] = (0.3, 4.0)  # per-client SD of the total, points (uniform)
    points: float = 5.0  # the drop is at least this many points ...
    sds: float = 2.5  # ... and at least this many personal SDs
    deficit: float = 2.5  # mean points below 40 of the usual level (gamma, shape 1.2)
    all_tens: float = 0.15  # each client's chance of an all-ten form is uniform 0..this
    warmup: float = 1.0  # points the usual level rises over the first sessions (0..this)
    missed: float = 0.05
    sessions: int = 12
    onset: tuple[int, int] = (4, 9)
    one_item: bool = False  # the drop falls on one item instead of all four
    # sessions after the onset within which a catch counts: None = the windows, a
    # dip in its session or the next (1), a lasting drop within three sessions (2)
    window: int | None = None
    above: float = 0.0  # the drop is drawn up to this share above the edge (0: at it)


    @property
    def reach(self) -> int:
        if self.window is not None:
            return self.window
        return 1 if self.shape in ("dip", "dip_partial") else 2


@dataclass(frozen=True)
class Course:
    visits: list[Visit]
    onset: int
    sd: float
    size: float


def simulate(rng: random.Random, regime: Regime) -> Course:
    sd = rng.uniform(*regime.noise)
    deficit = min(20.0, rng.gammavariate(1.2, regime.deficit / 1.2))
    level = 40.0 - deficit
    all_tens = rng.uniform(0.0, regime.all_tens)
    warmup = rng.uniform(0.0, regime.warmup)
    onset = rng.randint(*regime.onset)
    size = max(regime.points, regime.sds * sd)
    if regime.above:
        size *= 1 + rng.uniform(0.0, regime.above)
    weak_item = rng.randrange(len(ITEMS))
    visits = []
    for number in range(1, regime.sessions + 1):
        drop = _drop(regime.shape, number - onset, size)
        if number != onset and drop == 0 and rng.random() < regime.missed:
            visits.append(Visit(number, None))
            continue
        mean = level - warmup * 0.5 ** (number - 1)
        if drop == 0 and rng.random() < all_tens:
            items = {name: 10.0 for name in ITEMS}
        else:
            swing = rng.gauss(0, 0.9 * sd)
            jitter = 0.436 * sd / 2  # the rest of the variance, spread over four items
            items = {}
            for index, name in enumerate(ITEMS):
                share = drop if regime.one_item and index == weak_item else 0.0
                if not regime.one_item:
                    share = drop / 4
                value = (mean + swing) / 4 - share + rng.gauss(0, jitter)
                items[name] = round(min(10.0, max(0.0, value)), 1)
        tension, talked = None, None
        if regime.shape == "tension" and number == onset:
            tension, talked = "some", False
        elif rng.random() < 0.05:
            tension, talked = "little", True
        total = round(sum(items.values()), 1)
        visits.append(Visit(number, total, items, tension=tension, talked_through=talked))
    return Course(visits, onset, sd, size)


def _drop(shape: str, step: int, size: float) -> float:
    if shape in ("none", "tension") or step < 0:
        return 0.0
    if shape == "dip":
        return size if step == 0 else 0.0
    if shape == "dip_partial":
        return {0: size, 1: size / 2}.get(step, 0.0)
    if shape == "lasting":
        return size
    if shape == "erosion":
        return size * min(step + 1, 6) / 6
    raise ValueError(shape)


QUIET, MODERATE, NOISY = (0.3, 1.0), (1.0, 2.0), (2.0, 4.0)
CEILING = {"deficit": 0.6, "all_tens": 0.5}
SHORT = {"sessions": 5, "onset": (3, 4)}

NO_CHANGE = (
    Regime("no change, quiet (SD 0.3-1)", noise=QUIET),
    Regime("no change, moderate (SD 1-2)", noise=MODERATE),
    Regime("no change, noisy (SD 2-4)", noise=NOISY),
    Regime("no change, ceiling, all-ten forms", **CEILING),  # type: ignore[arg-type]
    Regime("no change, warm-up rise 0-4 points", warmup=4.0),
    Regime("no change, 20% missed forms", missed=0.2),
    Regime("no change, like the outside benchmark", noise=(0.4, 2.2)),
)
CHANGE = (
    Regime("dip 5pt/2.5SD, quiet", "dip", noise=QUIET),
    Regime("dip 5pt/2.5SD, moderate", "dip", noise=MODERATE),
    Regime("dip 5pt/2.5SD, noisy", "dip", noise=NOISY),
    Regime("dip 5pt/2.5SD, partial return", "dip_partial"),
    Regime("dip 5pt/2.5SD, ceiling, all-ten forms", "dip", **CEILING),  # type: ignore[arg-type]
    Regime("dip 5pt/2.5SD, warm-up rise 0-4", "dip", warmup=4.0),
    Regime("dip 5pt/2.5SD, 20% missed forms", "dip", missed=0.2),
    Regime("dip 5pt/2.5SD, in one item", "dip", one_item=True),
    Regime("dip 5pt/2.5SD, 2 sessions before", "dip", onset=(3, 3), sessions=5),
    Regime("dip 5pt/2.5SD, 3 sessions before", "dip", onset=(4, 4), sessions=6),
    Regime("dip 8pt/3SD, any noise", "dip", points=8.0, sds=3.0),
    Regime("dip 3 SD, any size", "dip", points=0.0, sds=3.0),
    Regime("dip 2 SD, any size", "dip", points=0.0, sds=2.0),
    Regime("dip 5pt/2.5SD, like outside", "dip", noise=(0.4, 2.2)),
    Regime("dip 1-1.5x 5pt/2.5SD, like outside", "dip", noise=(0.4, 2.2), above=0.5),
    Regime("lasting 5pt/2.5SD, quiet", "lasting", noise=QUIET),
    Regime("lasting 5pt/2.5SD, moderate", "lasting", noise=MODERATE),
    Regime("lasting 5pt/2.5SD, noisy", "lasting", noise=NOISY),
    Regime("lasting 5pt/2.5SD, short history", "lasting", **SHORT),  # type: ignore[arg-type]
    Regime("lasting 5pt/2.5SD, like outside", "lasting", noise=(0.4, 2.2)),
    Regime("erosion to 5pt/3SD over 6", "erosion", sds=3.0, window=99),
    Regime("tension at the ceiling", "tension", **CEILING, window=0),  # type: ignore[arg-type]
)
