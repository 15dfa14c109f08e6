"""How often each alert rule cries wolf, and how often it catches a real rupture.

Simulates 12-session courses of the session alliance check (four 0–10 items, total 0–40):
- no-change clients: a per-client mean near the ceiling (item deficit from a gamma
  distribution, mean about 1 point, so totals average about 36), per-client noise (a
  session-wide swing and a smaller per-item one), a per-client chance of simply giving
  all tens, 5% missed forms, occasional mild tension; every item clipped to 0–10 and
  rounded to tenths, as the form stores it;
- the same clients with one injected rupture from a session between 4 and 9: a sudden
  drop of 2 or of 3 personal SDs that lasts, a V-shape (2.5 SDs, half back next session,
  fully back the one after), slow erosion (half an SD more every session for six
  sessions), and a client at the ceiling who reports "some" tension not talked through
  while the scores stay where they were.
"Personal SD" is the SD of the client's total before clipping. A rupture counts as
detected when a rupture-level alert (rupture or escalation) comes in the onset session or
the three after it (erosion: by the end of the course); the delay is sessions from onset.
The market rule: total below 36, or a drop of 1 point or more from the last session, is red.
The middle column counts every pushed level, including R1's low-alliance alert for a
client whose usual total sits below 36 (a real, if not sudden, concern) and S1.

Run: .venv/bin/python bench/false_alarms.py [--courses 2000] [--seed 7] [--sweep]

Figures at the defaults (2000 courses a row, seed 7): the default policy alerts in 10.0%
of no-change courses (market rule: 100%) and catches 78.9% of sudden lasting drops of
2–4 personal SDs within three sessions, 58.4% of drops of exactly 2 SDs, 81.0% of 3 SDs,
34.1% of V-shapes, 58.4% of six-session erosions and 99.7% of tension reports at the
ceiling (market rule: 82.5%). --sweep shows the SD floor's trade-off: 0.05 gives 89% of
2–4 SD drops at 23% false courses; 0.075 gives 75% at 7%. Drops missed are mostly in
clients whose own SD is under 2 points, i.e. below the instrument's measurement error.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from fic.domain.instruments import Instrument
from fic.domain.ruptures import PUSHED, Policy, Visit, assess_course
from fic.instruments import load

SESSIONS = 12
ITEMS = ("safety", "heard", "goals", "approach")
SHAPES = ("drop_2to4sd", "drop_2sd", "drop_3sd", "v_shape", "erosion", "tension_at_ceiling")
RUPTURE_LEVELS = frozenset({"rupture", "escalation"})


@dataclass(frozen=True)
class Client:
    means: tuple[float, ...]
    swing: float  # SD of the session-wide shift, per item
    jitter: float  # SD of each item's own noise
    all_tens: float  # chance of a form with every item at 10
    ceiling: bool = False

    @property
    def total_sd(self) -> float:
        return float((16 * self.swing**2 + 4 * self.jitter**2) ** 0.5)


def draw_client(rng: random.Random, ceiling: bool = False) -> Client:
    scale = 0.25 if ceiling else 0.8
    means = tuple(10 - min(6.0, rng.gammavariate(1.2, scale)) for _ in ITEMS)
    return Client(
        means=means,
        swing=rng.uniform(0.2, 0.9),
        jitter=rng.uniform(0.1, 0.5),
        all_tens=rng.uniform(0.0, 0.25),
        ceiling=ceiling,
    )


def shift_at(shape: str, session: int, onset: int, sd: float, size: float) -> float:
    """How far (in total points) the injected rupture lowers the total at a session."""
    step = session - onset
    if shape == "none" or step < 0:
        return 0.0
    if shape == "drop_2to4sd":
        return size * sd
    if shape == "drop_2sd":
        return 2 * sd
    if shape == "drop_3sd":
        return 3 * sd
    if shape == "v_shape":
        return {0: 2.5 * sd, 1: 1.25 * sd}.get(step, 0.0)
    if shape == "erosion":
        return 0.5 * sd * min(step + 1, 6)
    return 0.0


def simulate(rng: random.Random, shape: str) -> tuple[list[Visit], int]:
    client = draw_client(rng, ceiling=shape == "tension_at_ceiling")
    onset = rng.randint(4, 9)
    size = rng.uniform(2, 4)
    visits = []
    for number in range(1, SESSIONS + 1):
        if number != onset and rng.random() < 0.05:
            visits.append(Visit(number, None))
            continue
        drop = shift_at(shape, number, onset, client.total_sd, size) / 4
        swing = rng.gauss(0, client.swing)
        if drop == 0 and rng.random() < client.all_tens:
            items = {name: 10.0 for name in ITEMS}
        else:
            items = {
                name: round(min(10.0, max(0.0, mean + swing - drop + rng.gauss(0, sd))), 1)
                for name, mean, sd in zip(ITEMS, client.means, [client.jitter] * 4, strict=True)
            }
        tension, talked = None, None
        if shape == "tension_at_ceiling" and number == onset:
            tension, talked = "some", False
        elif rng.random() < 0.05:
            tension, talked = "little", True
        elif rng.random() < 0.01:
            tension, talked = "some", True
        total = round(sum(items.values()), 1)
        visits.append(Visit(number, total, items, tension=tension, talked_through=talked))
    return visits, onset


def fic_alerts(
    policy: Policy, instrument: Instrument, levels: frozenset[str] = RUPTURE_LEVELS
) -> Callable[[Sequence[Visit]], list[int]]:
    def sessions(visits: Sequence[Visit]) -> list[int]:
        course = assess_course(visits, instrument, policy)
        return [s.number for s in course.alerts if s.level in levels]

    return sessions


def market_alerts(visits: Sequence[Visit]) -> list[int]:
    red, last = [], None
    for visit in visits:
        if visit.total is None:
            continue
        if visit.total < 36 or (last is not None and last - visit.total >= 1):
            red.append(visit.number)
        last = visit.total
    return red


def measure(
    rule: Callable[[Sequence[Visit]], list[int]], courses: int, seed: int
) -> dict[str, tuple[float, float | None]]:
    """Per shape: (share flagged or detected, median delay in sessions)."""
    figures: dict[str, tuple[float, float | None]] = {}
    for shape in ("none", *SHAPES):
        rng = random.Random(f"{seed}-{shape}")
        hits, delays = 0, []
        for _ in range(courses):
            visits, onset = simulate(rng, shape)
            alerts = rule(visits)
            if shape == "none":
                hits += bool(alerts)
                continue
            last = SESSIONS if shape == "erosion" else onset + 3
            caught = [n for n in alerts if onset <= n <= last]
            if caught:
                hits += 1
                delays.append(caught[0] - onset)
        figures[shape] = (hits / courses, statistics.median(delays) if delays else None)
    return figures


def show(columns: dict[str, dict[str, tuple[float, float | None]]]) -> None:
    names = list(columns)
    print(f"{'':44}" + "".join(f"{name:>26}" for name in names))
    rows = [("no-change courses with an alert", "none")] + [
        (f"{shape} detected (median delay)", shape) for shape in SHAPES
    ]
    for label, shape in rows:
        cells = []
        for name in names:
            share, delay = columns[name][shape]
            cells.append(f"{share:7.1%}" + ("" if delay is None else f" ({delay:g} sess.)"))
        print(f"{label:44}" + "".join(f"{cell:>26}" for cell in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sweep", action="store_true", help="also show other SD floors")
    args = parser.parse_args()
    alliance = load("alliance")
    default = Policy()
    columns = {
        "fic default policy": measure(fic_alerts(default, alliance), args.courses, args.seed),
        "fic, any pushed level": measure(
            fic_alerts(default, alliance, PUSHED), args.courses, args.seed
        ),
        "market rule (<36 or -1)": measure(market_alerts, args.courses, args.seed),
    }
    print(f"{args.courses} simulated 12-session courses per row, seed {args.seed}")
    show(columns)
    if args.sweep:
        sweep = {
            f"sd_floor {floor}": measure(
                fic_alerts(replace(default, sd_floor=floor), alliance), args.courses, args.seed
            )
            for floor in (0.05, 0.06, 0.0685, 0.075)
        }
        print()
        show(sweep)


if __name__ == "__main__":
    main()
