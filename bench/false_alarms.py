"""How often each alert rule cries wolf, and how often it catches a real rupture, by regime.

Simulates courses of the session alliance check (four 0–10 items, total 0–40) over the
grid in bench/regimes.py: per-client noise SD of the total from 0.3 to 4 points, drops
sized in points and in personal SDs, single-session dips with and without a partial
return, lasting drops, slow erosion, ceiling clients with all-ten forms, a warm-up rise,
missed forms, and histories of only two or three sessions before the dip.

A no-change course counts when it raises any rupture (a rupture or escalation alert). A
change is caught when one comes in the onset session or the next `reach` sessions (dips:
that session or the next; lasting drops: within three sessions; erosion: by the end of the
course; tension: that session). Columns: the fic policy (the default, or --policy FILE),
the PCOMS cutoff (total < 36 is red) and the market red rule (< 36, or 1 point or more
below the last session).

--calibrated adds a section per noise band: the policy `fic policy calibrate` would fit on
300 no-change courses of such a clinic (its history), then measured on fresh courses.

Run: .venv/bin/python bench/false_alarms.py [--courses 1000] [--seed 7] [--policy FILE]
     [--calibrated]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

from regimes import CHANGE, MODERATE, NO_CHANGE, NOISY, QUIET, Regime, simulate

from fic.domain.calibration import calibrate
from fic.domain.instruments import Instrument
from fic.domain.policy_file import parse_policy
from fic.domain.ruptures import Policy, Visit, assess_course
from fic.instruments import load

RUPTURE_LEVELS = frozenset({"rupture", "escalation"})
Rule = Callable[[Sequence[Visit]], list[int]]


def fic_rule(policy: Policy, instrument: Instrument) -> Rule:
    def sessions(visits: Sequence[Visit]) -> list[int]:
        course = assess_course(visits, instrument, policy)
        return [s.number for s in course.alerts if s.level in RUPTURE_LEVELS]

    return sessions


def cutoff_rule(visits: Sequence[Visit]) -> list[int]:
    return [v.number for v in visits if v.total is not None and v.total < 36]


def market_rule(visits: Sequence[Visit]) -> list[int]:
    red, last = [], None
    for visit in visits:
        if visit.total is None:
            continue
        if visit.total < 36 or (last is not None and last - visit.total >= 1):
            red.append(visit.number)
        last = visit.total
    return red


def measure(rule: Rule, regime: Regime, courses: int, seed: int) -> tuple[float, float | None]:
    """(share flagged or caught, median delay in sessions of the catches)."""
    rng = random.Random(f"{seed}-{regime.name}")
    hits, delays = 0, []
    for _ in range(courses):
        course = simulate(rng, regime)
        alerts = rule(course.visits)
        if regime.shape == "none":
            hits += bool(alerts)
            continue
        caught = [n for n in alerts if course.onset <= n <= course.onset + regime.reach]
        if caught:
            hits += 1
            delays.append(caught[0] - course.onset)
    return hits / courses, statistics.median(delays) if delays else None


GROUPS = (
    ("no-change courses with a rupture", lambda r: r.shape == "none"),
    ("dips >= 5 pt and >= 2.5 SD, this or next session",
     lambda r: r.shape in ("dip", "dip_partial") and r.points >= 5 and r.sds >= 2.5),
    ("lasting drops caught within 3 sessions", lambda r: r.shape == "lasting"),
    ("slow erosion caught", lambda r: r.shape == "erosion"),
    ("tension not talked through, at the ceiling", lambda r: r.shape == "tension"),
)  # fmt: skip


def calibrated(policy: Policy, instrument: Instrument, courses: int, seed: int) -> None:
    """Per noise band: the default vs the policy fitted to such a clinic's own history."""
    print("\ncalibrated on the clinic's own history (300 no-change courses), then measured")
    print(f"{'clinic noise band':30}{'':>14}{'no-change rupture':>20}{'dips caught':>14}"
          f"{'lasting caught':>16}")  # fmt: skip
    for band, noise in (("quiet (SD 0.3-1)", QUIET), ("moderate (SD 1-2)", MODERATE),
                        ("noisy (SD 2-4)", NOISY), ("like outside (0.4-2.2)", (0.4, 2.2))):
        rng = random.Random(f"{seed}-history-{band}")
        history = [simulate(rng, Regime("history", noise=noise)).visits for _ in range(300)]
        fitted = calibrate(history, instrument, policy, band).policy
        for name, chosen in (("default", policy), ("calibrated", fitted)):
            cells = [
                measure(fic_rule(chosen, instrument), Regime(f"{band} {shape}", shape,
                        noise=noise), courses, seed)[0]
                for shape in ("none", "dip", "lasting")
            ]  # fmt: skip
            print(f"{band if name == 'default' else '':30}{name:>14}"
                  + "".join(f"{c:>{w}.1%}" for c, w in zip(cells, (20, 14, 16), strict=True)))
        print(f"{'':30}{'':>14}  pooled SD {fitted.pooled_sd_for(instrument) * 40:.2f} points, "
              f"prior {fitted.prior_df:.1f} sessions, rupture_z {fitted.rupture_z:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--policy", type=Path, help="a policy file instead of the default")
    parser.add_argument("--calibrated", action="store_true", help="also per-clinic calibration")
    args = parser.parse_args()
    alliance = load("alliance")
    policy = Policy()
    if args.policy is not None:
        policy = parse_policy(json.loads(args.policy.read_text(encoding="utf-8")))
    rules = {
        "fic policy": fic_rule(policy, alliance),
        "PCOMS <36": cutoff_rule,
        "market <36/-1": market_rule,
    }
    print(f"{args.courses} simulated courses per regime, seed {args.seed}; "
          "share flagged (median delay in sessions)")  # fmt: skip
    print(f"{'regime':44}" + "".join(f"{name:>18}" for name in rules))
    figures: dict[str, dict[str, float]] = {}
    for regime in (*NO_CHANGE, *CHANGE):
        cells = []
        for name, rule in rules.items():
            share, delay = measure(rule, regime, args.courses, args.seed)
            figures.setdefault(regime.name, {})[name] = share
            late = "" if delay is None or regime.shape == "none" else f" ({delay:g})"
            cells.append(f"{share:6.1%}{late}")
        print(f"{regime.name:44}" + "".join(f"{cell:>18}" for cell in cells))
    print("\noverall (mean over the regimes of each kind)")
    for label, belongs in GROUPS:
        chosen = [r.name for r in (*NO_CHANGE, *CHANGE) if belongs(r)]
        cells = [statistics.fmean(figures[name][rule] for name in chosen) for rule in rules]
        print(f"{label:44}" + "".join(f"{cell:>18.1%}" for cell in cells))
    if args.calibrated:
        calibrated(policy, alliance, args.courses, args.seed)


if __name__ == "__main__":
    main()
