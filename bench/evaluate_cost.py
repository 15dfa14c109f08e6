"""What evaluating one new response costs for a client with a long history.

The worker can rerun `assess_course` over the whole stored history whenever a form comes
in, or keep `Tracker.snapshot()` (a small JSON value) with the client and continue from
it. This times both for one new response after 500 past sessions (target: under 5 ms)
and checks that they give the same signals and episodes.

Run: .venv/bin/python bench/evaluate_cost.py [--history 500] [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from fic.domain.ruptures import Policy, Signal, Tracker, Visit, assess_course
from fic.instruments import load


def history(length: int, seed: int = 3) -> list[Visit]:
    rng = random.Random(seed)
    visits = []
    for number in range(1, length + 1):
        if rng.random() < 0.05:
            visits.append(Visit(number, None))
            continue
        items = {name: min(10.0, round(rng.gauss(9.2, 0.6), 1)) for name in
                 ("safety", "heard", "goals", "approach")}  # fmt: skip
        tension = rng.choice(("none", "none", "none", "little", "some"))
        visits.append(
            Visit(number, round(sum(items.values()), 1), items, tension=tension,
                  talked_through=rng.random() < 0.7, wellbeing=rng.uniform(15, 35))
        )  # fmt: skip
    return visits


def timed(action, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    alliance, wellbeing, policy = load("alliance"), load("wellbeing"), Policy()
    visits = history(args.history + 1)
    past, new = visits[:-1], visits[-1]

    full = timed(lambda: assess_course(visits, alliance, policy, wellbeing), args.repeat)
    warm = Tracker(alliance, policy, wellbeing)
    for visit in past:
        warm.add(visit)
    state = json.dumps(warm.snapshot())

    def resume_and_add() -> list[Signal]:
        tracker = Tracker.resume(json.loads(state), alliance, policy, wellbeing)
        return tracker.add(new)

    incremental = timed(resume_and_add, args.repeat)

    whole = assess_course(visits, alliance, policy, wellbeing)
    last = [signal for signal in whole.signals if signal.number == new.number]
    resumed = Tracker.resume(json.loads(state), alliance, policy, wellbeing)
    same = resumed.add(new) == last and resumed.course().episodes == whole.episodes
    assert same, "the incremental path must give the same signals and episodes"  # noqa: S101

    def line(label: str, values: list[float]) -> None:
        p95 = statistics.quantiles(values, n=20)[18]
        print(f"{label:52} median {statistics.median(values):7.3f} ms   p95 {p95:7.3f} ms")

    print(f"one new response after {args.history} past sessions, {args.repeat} runs each")
    line("assess_course over the whole history (worker path)", full)
    line("Tracker.resume(snapshot JSON) + add (incremental path)", incremental)
    print(f"snapshot size: {len(state)} bytes of JSON; same signals and episodes: {same}")
    print(f"signals in the course: {len(whole.signals)}, episodes: {len(whole.episodes)}")


if __name__ == "__main__":
    main()
