"""Render + encrypt time of a supervision summary for a 20-client and a 200-client supervisor.

Seeds a SQLite clinic in a temporary folder (8 weekly forms per client, some ruptures and
comments), then times `lifecycle.build` (context, WeasyPrint, AES-256 R6, sealing) a few times
in a warm process. Prints the median and max per size, and the page count.

    .venv/bin/python bench/report_render.py [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from fic import create_app
from fic.domain.answers import Answers
from fic.reports.render import ReportRenderer
from fic.services.alerts import evaluation
from fic.services.clinic import clinics
from fic.services.forms import links, responses
from fic.services.reports import lifecycle, requests
from fic.services.reports.periods import Period
from fic.settings import Settings
from fic.storage import repository
from fic.storage.models import Report, utcnow

ITEMS = ("safety", "heard", "goals", "approach")
WELLBEING = ("personal", "relationships", "social", "overall")


def seed(app, clients: int, rng: random.Random) -> str:
    svc = app.extensions["fic"]
    name = f"Bench {clients}"
    with svc.db.session() as session:
        clinic = clinics.create_clinic(session, name)
        clinic.form_instruments = ["alliance", "wellbeing"]
        supervisor = clinics.add_staff(session, clinic, f"sup{clients}@bench.test", "supervisor")
        clinics.set_report_passphrase(session, svc.keys, supervisor)
        for n in range(max(1, clients // 10)):
            clinics.add_staff(session, clinic, f"c{n}.{clients}@bench.test", "clinician",
                              supervisor.email)
    now = utcnow()
    for c in range(clients):
        clinician = f"c{c % max(1, clients // 10)}.{clients}@bench.test"
        mean, drop_at = rng.uniform(8.6, 9.8), rng.choice([None, None, None, 6, 7])
        # most clients improve on wellbeing, some do not
        intake, gain = rng.uniform(3.5, 5.5), rng.choice([0.35, 0.35, 0.3, 0.25, 0.0])
        for week in range(8):
            with svc.db.session() as session:
                clinic = repository.clinic_named(session, name)
                made = links.record_session(session, svc.settings, svc.keys, clinic,
                                            f"B{clients}-{c:04d}", clinician,
                                            now - timedelta(weeks=8 - week))
            score = mean - (3.5 if week == drop_at else 0)
            values = {i: round(10 * min(10, max(0, rng.gauss(score, 0.3)))) for i in ITEMS}
            wellbeing = min(10.0, intake + gain * week)
            values.update({i: round(10 * max(0, rng.gauss(wellbeing, 0.4))) for i in WELLBEING})
            values["tension"] = 0
            comment = "I felt rushed today." if week == drop_at else None
            token = made.link.url.rsplit("/", 1)[1]
            answer = Answers(values, comment)
            done = responses.submit(svc.db, svc.keys, token, lambda _form, a=answer: a)
            evaluation.evaluate_response(svc.db, svc.keys, svc.settings, done.response_id)
    return f"sup{clients}@bench.test"


def time_build(app, supervisor: str, runs: int) -> tuple[list[float], int]:
    svc = app.extensions["fic"]
    renderer = ReportRenderer()
    today = utcnow().date()
    period = Period.between(today - timedelta(weeks=9), today)
    timings = []
    size = 0
    for _ in range(runs):
        with svc.db.session() as session:
            owner = repository.staff_by_email(session, supervisor)
            row, _ = requests.report_row(session, owner, period)
            row.status = "building"
            report_id = row.id
        started = time.perf_counter()
        lifecycle.build(svc.db, svc.keys, svc.settings, renderer, report_id)
        timings.append(time.perf_counter() - started)
        with svc.db.session() as session:
            size = session.get(Report, report_id).size_bytes or 0
            session.execute(update(Report).where(Report.id == report_id).values(status="building"))
    return timings, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(instance_path=Path(folder), smtp_port=9))
        app.extensions["fic"].db.upgrade()
        print(f"{'supervisor caseload':>20} {'median s':>9} {'max s':>7} {'PDF KB':>7}")
        for clients in (20, 200):
            started = time.perf_counter()
            supervisor = seed(app, clients, rng)
            seeded = time.perf_counter() - started
            timings, size = time_build(app, supervisor, args.runs)
            print(f"{clients:>12} clients {statistics.median(timings):>9.2f} "
                  f"{max(timings):>7.2f} {size / 1024:>7.0f}   (seeding took {seeded:.0f} s)")


if __name__ == "__main__":
    main()
