"""A demo clinic with a supervisor, two clinicians and clients whose courses tell a story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from fic.crypto import KeyRing
from fic.domain.answers import Answers
from fic.errors import NotFound
from fic.services import clinics, links, outbox, responses
from fic.services.outbox import Publisher
from fic.settings import Settings
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import utcnow

CLINIC = "Demo Clinic"
SUPERVISOR = "sam.supervisor@demo.clinic"
CLINICIANS = ("alex.clinician@demo.clinic", "jordan.clinician@demo.clinic")
ADMIN = "admin@demo.clinic"
# Weekly alliance totals as four item scores each; None = the client skipped the form.
COURSES: dict[str, tuple[str, list[tuple[float, float, float, float] | None]]] = {
    "DEMO-101": (
        CLINICIANS[0],
        [(9.5, 9.2, 9.0, 9.4), (9.6, 9.4, 9.3, 9.5), (9.4, 9.5, 9.2, 9.3), (9.7, 9.6, 9.4, 9.6)],
    ),
    "DEMO-102": (
        CLINICIANS[0],
        [
            (9.8, 9.6, 9.5, 9.7),
            (9.6, 9.7, 9.4, 9.5),
            None,
            (9.7, 9.5, 9.6, 9.6),
            (6.5, 5.8, 6.9, 5.5),
        ],
    ),
    "DEMO-103": (CLINICIANS[1], [(8.6, 8.4, 8.9, 8.5), (8.2, 8.0, 8.5, 8.1), (8.4, 8.3, 8.6, 8.0)]),
    "DEMO-104": (
        CLINICIANS[1],
        [(10.0, 10.0, 10.0, 10.0), (10.0, 9.9, 10.0, 10.0), (9.9, 10.0, 9.8, 10.0)],
    ),
}
DEMO_COMMENTS = {("DEMO-102", 4): "I felt rushed at the end and did not get to say what mattered."}


@dataclass
class DemoInfo:
    created: bool
    api_key: str | None = None
    passphrase: str | None = None
    link: str = ""
    staff: list[str] = field(default_factory=list)


def seed(db: Database, keys: KeyRing, settings: Settings, publish: Publisher) -> DemoInfo:
    """Create the demo clinic once; on every run, issue a fresh link for DEMO-101."""
    with db.session() as session:
        try:
            clinic = repository.clinic_named(session, CLINIC)
            info = DemoInfo(created=False)
        except NotFound:
            clinic = clinics.create_clinic(session, CLINIC)
            clinics.add_staff(session, clinic, ADMIN, "admin")
            supervisor = clinics.add_staff(session, clinic, SUPERVISOR, "supervisor")
            for email in CLINICIANS:
                clinics.add_staff(session, clinic, email, "clinician", SUPERVISOR)
            info = DemoInfo(
                created=True,
                api_key=clinics.create_api_key(session, clinic).key,
                passphrase=clinics.set_report_passphrase(session, keys, supervisor),
            )
        info.staff = [ADMIN, SUPERVISOR, *CLINICIANS]
    if info.created:
        _histories(db, keys, settings, publish)
    with db.session() as session:
        clinic = repository.clinic_named(session, CLINIC)
        fresh = links.record_session(
            session, settings, keys, clinic, "DEMO-101", CLINICIANS[0], utcnow()
        )
    info.link = fresh.link.url
    return info


def _histories(db: Database, keys: KeyRing, settings: Settings, publish: Publisher) -> None:
    now = utcnow()
    for ref, (clinician, weeks) in COURSES.items():
        for week, scores in enumerate(weeks):
            held_at = now - timedelta(weeks=len(weeks) - week, hours=2)
            with db.session() as session:
                clinic = repository.clinic_named(session, CLINIC)
                made = links.record_session(
                    session, settings, keys, clinic, ref, clinician, held_at
                )
            if scores is None:
                continue
            token = made.link.url.rsplit("/", 1)[1]
            values = {
                k: round(v * 10)
                for k, v in zip(("safety", "heard", "goals", "approach"), scores, strict=True)
            }
            values["tension"] = 0
            answered = responses.submit(
                db,
                keys,
                token,
                "alliance",
                Answers(values=values, comment=DEMO_COMMENTS.get((ref, week))),
            )
            outbox.flush(db, publish, answered.outbox_ids)
