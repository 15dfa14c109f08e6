"""What the worker's evaluation costs, database included, for a client with a long history.

Seeds one client with 500 answered weekly forms on SQLite (embedded, in a temporary folder),
then times `evaluation.evaluate_response` for 50 further forms, one at a time, as the worker
runs it: from the kept course state (the usual case) and, for comparison, with that state
dropped so the whole course is read and folded again.

    .venv/bin/python bench/evaluate_worker.py [--history 500] [--runs 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete

from fic import create_app
from fic.domain.answers import Answers
from fic.services.alerts import evaluation
from fic.services.clinic import clinics
from fic.services.forms import links, responses
from fic.settings import Settings
from fic.storage import repository
from fic.storage.models import utcnow
from fic.storage.models_course import CourseState

ITEMS = ("safety", "heard", "goals", "approach")


def answer(app, rng: random.Random, held_at) -> object:  # type: ignore[no-untyped-def]
    svc = app.extensions["fic"]
    with svc.db.session() as session:
        clinic = repository.clinic_named(session, "Bench")
        made = links.record_session(session, svc.settings, svc.keys, clinic, "LONG-1",
                                    "c@bench.test", held_at)
    values = {i: round(10 * min(10.0, rng.gauss(9.2, 0.4))) for i in ITEMS}
    values["tension"] = 0
    token = made.link.url.rsplit("/", 1)[1]
    return responses.submit(svc.db, svc.keys, token, lambda _form: Answers(values)).response_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=500)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(instance_path=Path(folder), smtp_port=9))
        svc = app.extensions["fic"]
        svc.db.upgrade()
        with svc.db.session() as session:
            clinic = clinics.create_clinic(session, "Bench")
            clinics.add_staff(session, clinic, "s@bench.test", "supervisor")
            clinics.add_staff(session, clinic, "c@bench.test", "clinician", "s@bench.test")
        start = utcnow() - timedelta(weeks=args.history + 2 * args.runs)
        week = 0
        for _ in range(args.history):
            response_id = answer(app, rng, start + timedelta(weeks=week))
            evaluation.evaluate_response(svc.db, svc.keys, svc.settings, response_id)
            week += 1
        timings: dict[str, list[float]] = {"kept state": [], "whole course": []}
        for label in timings:
            for _ in range(args.runs):
                response_id = answer(app, rng, start + timedelta(weeks=week))
                week += 1
                if label == "whole course":
                    with svc.db.session() as session:
                        session.execute(delete(CourseState))
                began = time.perf_counter()
                evaluation.evaluate_response(svc.db, svc.keys, svc.settings, response_id)
                timings[label].append((time.perf_counter() - began) * 1000)
        print(f"evaluate_response, {args.history}+ past sessions, SQLite, {args.runs} runs each")
        for label, values in timings.items():
            ordered = sorted(values)
            p95 = ordered[int(0.95 * (len(ordered) - 1))]
            print(f"  from the {label:<13} median {statistics.median(values):7.2f} ms"
                  f"   p95 {p95:7.2f} ms")


if __name__ == "__main__":
    main()
