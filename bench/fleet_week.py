"""Replay one week of a 500-clinic deployment against fic's measured costs.

A seeded model of the week (clinics across time zones, clinicians' sessions in working
hours ending at :50, forms answered within minutes, ruptures, alert emails, the Monday
07:00 local supervision reports) is run through queues with the capacity of N evaluation
workers and R report workers, minute by minute. The per-item costs are the figures our
benchmarks measured on this 2-core machine (docs/scaling.md says which); pass your own.
It prints the week's totals, the peak rates, queue delays, and the report fan-out for
1,000 supervisors with and without staggering.

    .venv/bin/python bench/fleet_week.py [--clinics 500] [--eval-ms 6] [--report-s20 1.35]
        [--report-s200 3.9] [--workers 2] [--report-workers 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import statistics
from dataclasses import dataclass

MINUTES = 7 * 24 * 60
OFFSETS = (-8, -7, -6, -5, -4, 0, 1, 2)  # clinic time zones, hours from UTC


@dataclass(frozen=True)
class Costs:
    web_ms: float  # CPU per form submission (web process)
    eval_ms: float  # per evaluation (worker), from bench/evaluate_worker.py
    email_ms: float  # per alert email (worker, local SMTP relay)
    report_s20: float  # one 20-client summary, from bench/report_render.py
    report_s200: float  # one 200-client summary
    report_mb: float  # peak RSS of one rendering child for 200 clients

    def report_seconds(self, clients: int) -> float:
        slope = (self.report_s200 - self.report_s20) / 180
        return max(0.2, self.report_s20 + slope * (clients - 20))


@dataclass
class Clinic:
    offset: int
    clinicians: int
    supervisors: int
    caseload: int


def make_clinics(count: int, rng: random.Random) -> list[Clinic]:
    clinics = []
    for _ in range(count):
        clinicians = max(2, int(rng.lognormvariate(math.log(8), 0.7)))
        clinics.append(Clinic(rng.choice(OFFSETS), clinicians,
                              max(1, round(clinicians / 6)), rng.randint(15, 30)))
    return clinics


def form_minutes(clinics: list[Clinic], rng: random.Random, returned: float) -> list[int]:
    """Per UTC minute of the week: forms submitted (sessions end at :50, answered 0-20 min)."""
    per_minute = [0] * MINUTES
    for clinic in clinics:
        for _ in range(clinic.clinicians):
            weekly = rng.randint(18, 30)
            for _ in range(weekly):
                day = rng.randrange(5)
                hour = rng.randrange(8, 19)
                if rng.random() > returned:
                    continue
                local = day * 1440 + hour * 60 + 50 + int(rng.expovariate(1 / 4))
                minute = (local - clinic.offset * 60) % MINUTES
                per_minute[minute] += 1
    return per_minute


def drain(arrivals: list[int], per_minute_capacity: float) -> tuple[float, float]:
    """A fluid queue: the largest backlog and the longest wait (minutes) it causes."""
    backlog, worst_backlog, worst_wait = 0.0, 0.0, 0.0
    for arriving in arrivals:
        backlog = max(0.0, backlog + arriving - per_minute_capacity)
        worst_backlog = max(worst_backlog, backlog)
        worst_wait = max(worst_wait, backlog / per_minute_capacity)
    return worst_backlog, worst_wait


def fan_out(sizes: list[int], costs: Costs, workers: int, stagger_minutes: int,
            rng: random.Random) -> tuple[float, float, float]:
    """Builds queued at once (or spread over `stagger_minutes`) on `workers` renderers:
    (minutes until the last is ready, p95 wait minutes, busiest worker's share)."""
    starts = sorted(rng.uniform(0, stagger_minutes * 60) if stagger_minutes else 0.0
                    for _ in sizes)
    jobs = sorted(zip(starts, (costs.report_seconds(n) for n in sizes), strict=True))
    free = [(0.0, w) for w in range(workers)]
    heapq.heapify(free)
    busy = [0.0] * workers
    waits, done = [], 0.0
    for start, seconds in jobs:
        at, worker = heapq.heappop(free)
        begin = max(at, start)
        waits.append((begin - start) / 60)
        end = begin + seconds
        busy[worker] += seconds
        done = max(done, end)
        heapq.heappush(free, (end, worker))
    waits.sort()
    return done / 60, waits[int(0.95 * (len(waits) - 1))], max(busy) / max(1e-9, sum(busy))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinics", type=int, default=500)
    parser.add_argument("--web-ms", type=float, default=2.0)
    parser.add_argument("--eval-ms", type=float, default=6.0)
    parser.add_argument("--email-ms", type=float, default=15.0)
    parser.add_argument("--report-s20", type=float, default=1.35)
    parser.add_argument("--report-s200", type=float, default=3.9)
    parser.add_argument("--report-mb", type=float, default=220.0)
    parser.add_argument("--workers", type=int, default=2, help="evaluation/alert processes")
    parser.add_argument("--report-workers", type=int, default=2)
    parser.add_argument("--returned", type=float, default=0.7, help="share of forms answered")
    parser.add_argument("--rupture-rate", type=float, default=0.08)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    costs = Costs(args.web_ms, args.eval_ms, args.email_ms, args.report_s20, args.report_s200,
                  args.report_mb)

    clinics = make_clinics(args.clinics, rng)
    forms = form_minutes(clinics, rng, args.returned)
    total = sum(forms)
    alerts = sum(sum(1 for _ in range(n) if rng.random() < args.rupture_rate) for n in forms)
    emails = 2 * alerts
    supervisors = sum(c.supervisors for c in clinics)
    sizes = []
    for clinic in clinics:
        clients = clinic.clinicians * clinic.caseload
        sizes += [max(1, clients // clinic.supervisors)] * clinic.supervisors
    peak = max(forms)
    busy_hours = sorted(forms, reverse=True)[: 60 * 10]
    worker_ms = args.eval_ms + args.rupture_rate * 2 * args.email_ms
    capacity = args.workers * 60_000 / worker_ms  # forms per minute the workers clear
    backlog, wait = drain(forms, capacity)

    print(f"fleet week: {args.clinics} clinics, "
          f"{sum(c.clinicians for c in clinics)} clinicians, {supervisors} supervisors "
          f"(seed {args.seed})")
    print(f"  forms            {total:>9,}  (mean {total / MINUTES / 60:.2f}/s, peak minute "
          f"{peak / 60:.2f}/s, top-10-hours mean {statistics.mean(busy_hours) / 60:.2f}/s)")
    print(f"  alerts           {alerts:>9,}  alert emails {emails:,}")
    print(f"  reports          {len(sizes):>9,}  clients per supervisor median "
          f"{statistics.median(sizes):.0f}, max {max(sizes)}")
    print(f"  web CPU          {total * args.web_ms / 1000 / 3600:>9.2f} core-hours/week; peak "
          f"{peak / 60 * args.web_ms / 1000:.3f} cores")
    print(f"  worker CPU       {total * worker_ms / 1000 / 3600:>9.2f} core-hours/week; "
          f"{args.workers} worker(s) clear {capacity / 60:.0f} forms/s; worst backlog "
          f"{backlog:.0f} forms, worst extra alert delay {wait * 60:.1f} s")
    render = sum(costs.report_seconds(n) for n in sizes)
    print(f"  report rendering {render / 3600:>9.2f} core-hours/week; one renderer child "
          f"peaks at ~{args.report_mb:.0f} MB (set --max-memory-per-child above it)")
    print()
    print("weekly fan-out for 1,000 supervisors (sizes drawn from this fleet):")
    print("  report workers | all at 07:00: last ready, p95 wait | staggered over 60 min:"
          " last ready, p95 wait | RAM for children")
    fan = [rng.choice(sizes) for _ in range(1000)]
    for workers in (1, 2, 4, 8, args.report_workers):
        now_done, now_p95, _ = fan_out(fan, costs, workers, 0, rng)
        spread_done, spread_p95, _ = fan_out(fan, costs, workers, 60, rng)
        print(f"  {workers:>14} | {now_done:>10.1f} min, {now_p95:>6.1f} min"
              f"       | {spread_done:>10.1f} min, {spread_p95:>6.1f} min"
              f"                 | {workers * args.report_mb / 1024:.1f} GB")


if __name__ == "__main__":
    main()
