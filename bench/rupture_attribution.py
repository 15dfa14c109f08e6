"""Which rule spends the false-alarm budget, and why the single-session dips are missed.

For the no-change regimes of bench/regimes.py: the share of courses with a rupture, and
by which rule the first one was opened (R3 personal dip, R4 CUSUM, R2 when it is made a
rupture, R5 the client said so). For the dip regimes: the share caught (dip session or
the next) and, of the misses, why: no prediction yet (too few sessions), today's drop
below min_drop, or today not far enough in the client's predictive tail (with the median
normal-equivalent z of those, and how the estimated SD compares with the true one).

Run: .venv/bin/python bench/rupture_attribution.py [--courses 300] [--seed 7] [--policy FILE]
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import statistics
from pathlib import Path
from typing import Any

from regimes import CHANGE, NO_CHANGE, Regime, simulate

from fic.domain.policy_file import parse_policy
from fic.domain.predictive import Prediction, predict
from fic.domain.ruptures import Policy, Tracker, Visit
from fic.instruments import load

ALLIANCE = load("alliance")


def trace(visits: list[Visit], policy: Policy) -> tuple[list[int], list[Any], dict[int, Any]]:
    """(rupture sessions, [(session, rules found)], {session: the R3 prediction})."""
    tracker = Tracker(ALLIANCE, policy)
    found: list[tuple[int, tuple[str, ...]]] = []
    step = tracker._book.step

    def spy(number: int, x: float | None, detections: Any, *rest: Any, **named: Any) -> Any:
        if detections:
            found.append((number, tuple(detections)))
        return step(number, x, detections, *rest, **named)

    tracker._book.step = spy  # type: ignore[method-assign]
    predictions: dict[int, Prediction] = {}
    for visit in visits:
        if visit.total is not None and tracker._count >= policy.baseline_min:
            predictions[visit.number] = predict(
                tracker._scores, policy.baseline_max, policy.spread_window,
                tracker._pooled, policy.prior_df,
            )  # fmt: skip
        tracker.add(visit)
    alerts = [s.number for s in tracker.course().alerts if s.level in ("rupture", "escalation")]
    return alerts, found, predictions


def false_courses(regime: Regime, policy: Policy, courses: int, seed: int) -> str:
    rng = random.Random(f"{seed}-{regime.name}")
    flagged, first = 0, collections.Counter()
    for _ in range(courses):
        alerts, found, _ = trace(simulate(rng, regime).visits, policy)
        if alerts:
            flagged += 1
            at = [rules for number, rules in found if number == alerts[0]]
            first["+".join(at[0]) if at else "R7"] += 1
    spent = ", ".join(f"{rule} {n / courses:.1%}" for rule, n in first.most_common())
    return f"{flagged / courses:6.1%}   first opened by: {spent or '-'}"


def dips(regime: Regime, policy: Policy, courses: int, seed: int) -> str:
    rng = random.Random(f"{seed}-{regime.name}")
    caught, why, zs, ratios = 0, collections.Counter(), [], []
    for _ in range(courses):
        course = simulate(rng, regime)
        today = next(v for v in course.visits if v.number == course.onset)
        alerts, _, predictions = trace(course.visits, policy)
        if any(course.onset <= n <= course.onset + regime.reach for n in alerts):
            caught += 1
            continue
        prediction = predictions.get(course.onset)
        if prediction is None or today.total is None:
            why["too few sessions"] += 1
            continue
        x = today.total / 40
        ratios.append(prediction.sd * 40 / course.sd)
        if prediction.centre - x < policy.min_drop:
            why["drop under min_drop"] += 1
        else:
            why["tail not reached"] += 1
            zs.append(prediction.z(x))
    misses = ", ".join(f"{reason} {n / courses:.1%}" for reason, n in why.most_common())
    z = f"{statistics.median(zs):.2f}" if zs else "-"
    ratio = f"{statistics.median(ratios):.2f}" if ratios else "-"
    return (f"{caught / courses:6.1%}   missed: {misses or '-'}"
            f"; median z of tail misses {z}, est./true SD {ratio}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--policy", type=Path, help="a policy file instead of the default")
    args = parser.parse_args()
    policy = Policy()
    if args.policy is not None:
        policy = parse_policy(json.loads(args.policy.read_text(encoding="utf-8")))
    print(f"{args.courses} simulated courses per regime, seed {args.seed}")
    for regime in NO_CHANGE:
        print(f"{regime.name:42}{false_courses(regime, policy, args.courses, args.seed)}")
    for regime in CHANGE:
        if regime.shape in ("dip", "dip_partial"):
            print(f"{regime.name:42}{dips(regime, policy, args.courses, args.seed)}")


if __name__ == "__main__":
    main()
