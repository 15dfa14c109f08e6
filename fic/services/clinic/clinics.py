"""Setting a clinic up: the clinic, its staff, API keys and report passphrases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding, new_passphrase, new_token, sha256_hex
from fic.errors import InvalidRequest, NotFound
from fic.services.clinic import api_scopes
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import ApiKey, Clinic, Staff

ROLES = ("clinician", "supervisor", "admin")
API_KEY_PREFIX = "fic_"


@dataclass(frozen=True)
class NewApiKey:
    id: uuid.UUID
    key: str


def create_clinic(session: Session, name: str, timezone: str = "UTC") -> Clinic:
    name = name.strip()
    if not name:
        raise InvalidRequest("a clinic needs a name")
    if session.scalar(select(Clinic.id).where(Clinic.name == name)) is not None:
        raise InvalidRequest(f"a clinic called {name!r} exists already")
    clinic = Clinic(id=uuid.uuid4(), name=name, timezone=timezone)
    session.add(clinic)
    return clinic


def add_staff(
    session: Session, clinic: Clinic, email: str, role: str, supervisor_email: str | None = None
) -> Staff:
    email = email.strip().lower()
    if role not in ROLES:
        raise InvalidRequest(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email:
        raise InvalidRequest("that is not an email address")
    supervisor = None
    if supervisor_email:
        supervisor = repository.staff_by_email(session, supervisor_email, clinic.id)
        if supervisor.role != "supervisor":
            raise InvalidRequest("the named supervisor does not have the supervisor role")
    elif role == "clinician":
        raise InvalidRequest("a clinician needs a supervisor (--supervisor EMAIL)")
    staff = Staff(
        id=uuid.uuid4(),
        clinic_id=clinic.id,
        email=email,
        role=role,
        supervisor_id=supervisor.id if supervisor else None,
    )
    session.add(staff)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidRequest("a staff member with that email exists already") from None
    return staff


def create_api_key(
    session: Session, clinic: Clinic, scopes: list[str] | None = None
) -> NewApiKey:
    """The key is returned once; only its SHA-256 is stored. No scopes = full access."""
    key = API_KEY_PREFIX + new_token()
    row = ApiKey(id=uuid.uuid4(), clinic_id=clinic.id, key_hash=sha256_hex(key), prefix=key[:12],
                 scopes=api_scopes.check_scopes(scopes))
    session.add(row)
    return NewApiKey(row.id, key)


def set_report_passphrase(session: Session, keys: KeyRing, staff: Staff) -> str:
    """Generate, store sealed, and return once the passphrase that opens this person's reports."""
    if staff.role not in ("supervisor", "clinician"):
        raise InvalidRequest("only supervisors and clinicians receive reports")
    passphrase = new_passphrase()
    staff.report_passphrase_ct = keys.seal_direct(passphrase, passphrase_binding(staff.id))
    return passphrase


def report_passphrase(keys: KeyRing, staff: Staff) -> str:
    if staff.report_passphrase_ct is None:
        raise InvalidRequest(
            "this supervisor has no report passphrase yet (fic staff passphrase EMAIL)"
        )
    return keys.open_direct(staff.report_passphrase_ct, passphrase_binding(staff.id))


def passphrase_binding(staff_id: uuid.UUID) -> bytes:
    return binding("staff", "report_passphrase", staff_id)



def header(db: Database, clinic_id: uuid.UUID) -> dict[str, str]:
    """The clinic as every staff page's header shows it: its name and time zone."""
    with db.session() as session:
        clinic = session.get(Clinic, clinic_id)
        if clinic is None:
            raise NotFound("no such clinic")
        return {"name": clinic.name, "tz": clinic.timezone}


def clinic_named(session: Session, name: str) -> Clinic:
    """A clinic by its name, as the CLI names it (NotFound otherwise)."""
    return repository.clinic_named(session, name)


def staff_named(session: Session, email: str, clinic_id: uuid.UUID | None = None) -> Staff:
    """A staff member by email, within a clinic when given (NotFound otherwise)."""
    return repository.staff_by_email(session, email, clinic_id)
