"""A demo clinic with a supervisor, two clinicians and clients whose courses tell a story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from fic.crypto import KeyRing
from fic.domain.answers import Answers
from fic.errors import NotFound
from fic.services.clinic import clinics
from fic.services.core import outbox
from fic.services.core.outbox import Publisher
from fic.services.forms import links, responses
from fic.services.staff import staff_tokens
from fic.settings import Settings
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import utcnow

CLINIC = "Demo Clinic"
SUPERVISOR = "sam.supervisor@demo.clinic"
CLINICIANS = ("alex.clinician@demo.clinic", "jordan.clinician@demo.clinic")
ADMIN = "admin@demo.clinic"
FORM = ("alliance", "wellbeing")
ALLIANCE_ITEMS = ("safety", "heard", "goals", "approach")
WELLBEING_ITEMS = ("personal", "relationships", "social", "overall")
TENSION = ("none", "little", "some", "lot")
# Weekly forms: four alliance items, the past week's wellbeing (each of its four items),
# and the tension answer; None = the client did not answer that week.
Week = tuple[tuple[float, float, float, float], float, str]
COURSES: dict[str, tuple[str, list[Week | None]]] = {
    # steady and improving
    "DEMO-101": (
        CLINICIANS[0],
        [
            ((9.5, 9.2, 9.0, 9.4), 4.5, "none"),
            ((9.6, 9.4, 9.3, 9.5), 5.0, "none"),
            ((9.4, 9.5, 9.2, 9.3), 5.8, "none"),
            ((9.7, 9.6, 9.4, 9.6), 6.6, "none"),
        ],
    ),
    # a sudden drop after a missed week, with a comment: a rupture to repair
    "DEMO-102": (
        CLINICIANS[0],
        [
            ((9.8, 9.6, 9.5, 9.7), 4.0, "none"),
            ((9.6, 9.7, 9.4, 9.5), 4.2, "none"),
            None,
            ((9.7, 9.5, 9.6, 9.6), 4.1, "none"),
            ((6.5, 5.8, 6.9, 5.5), 3.8, "some"),
        ],
    ),
    # persistently below the concern cutoff
    "DEMO-103": (
        CLINICIANS[1],
        [
            ((8.6, 8.4, 8.9, 8.5), 5.5, "little"),
            ((8.2, 8.0, 8.5, 8.1), 5.2, "none"),
            ((8.4, 8.3, 8.6, 8.0), 5.4, "little"),
        ],
    ),
    # at the ceiling, and says so
    "DEMO-104": (
        CLINICIANS[1],
        [
            ((10.0, 10.0, 10.0, 10.0), 6.0, "none"),
            ((10.0, 9.9, 10.0, 10.0), 6.5, "none"),
            ((9.9, 10.0, 9.8, 10.0), 7.0, "none"),
        ],
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
    # email -> a single-use link to choose a password (works once, for 7 days)
    sign_in_links: dict[str, str] = field(default_factory=dict)


def seed(db: Database, keys: KeyRing, settings: Settings, publish: Publisher) -> DemoInfo:
    """Create the demo clinic once; on every run, issue a fresh link for DEMO-101."""
    with db.session() as session:
        try:
            clinic = repository.clinic_named(session, CLINIC)
            info = DemoInfo(created=False)
        except NotFound:
            clinic = clinics.create_clinic(session, CLINIC)
            clinic.form_instruments = list(FORM)
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
        for email in info.staff:
            staff = repository.staff_by_email(session, email, clinic.id)
            issued = staff_tokens.issue(session, settings, staff, "invite", utcnow())
            info.sign_in_links[email] = issued.url
    info.link = fresh.link.url
    return info


def _histories(db: Database, keys: KeyRing, settings: Settings, publish: Publisher) -> None:
    now = utcnow()
    for ref, (clinician, weeks) in COURSES.items():
        for week, form in enumerate(weeks):
            held_at = now - timedelta(weeks=len(weeks) - week, hours=2)
            with db.session() as session:
                clinic = repository.clinic_named(session, CLINIC)
                made = links.record_session(
                    session, settings, keys, clinic, ref, clinician, held_at
                )
            if form is None:
                continue
            alliance, wellbeing, tension = form
            values = {k: round(v * 10) for k, v in zip(ALLIANCE_ITEMS, alliance, strict=True)}
            values.update({k: round(wellbeing * 10) for k in WELLBEING_ITEMS})
            values["tension"] = TENSION.index(tension)
            if tension != "none":
                values["talked_through"] = 0
            token = made.link.url.rsplit("/", 1)[1]
            answer = Answers(values, DEMO_COMMENTS.get((ref, week)))
            answered = responses.submit(db, keys, token, responses.given(answer))
            outbox.flush(db, publish, answered.outbox_ids)
