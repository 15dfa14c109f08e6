"""The language a staff member reads fic in: pages, staff emails, digests and reports."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fic.i18n import STAFF_LANGUAGES, choose
from fic.storage.models import Clinic, Staff


def staff_language(session: Session, staff: Staff) -> str:
    """Their own choice, else the clinic's language, else English (a clinic that speaks
    Arabic to its clients, say: staff pages speak STAFF_LANGUAGES)."""
    clinic = session.get(Clinic, staff.clinic_id)
    return choose(staff.language, clinic.language if clinic else None, offered=STAFF_LANGUAGES)
