"""Single-use links for staff: password resets and invitations, sent by email.

A token is 256 random bits; only its SHA-256 is stored. Using one is an atomic
UPDATE … WHERE used_at IS NULL, so a link works once even if it is clicked twice at once.
The email is sent while the request that made the token is still running (the token exists
nowhere else, so it cannot be queued); if the mail server refuses, the caller says so and
the person asks again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fic.crypto import new_token, sha256_hex
from fic.delivery.email import Email
from fic.errors import LinkUnavailable
from fic.i18n import ROLE_NAMES
from fic.services.staff import passwords, signin
from fic.settings import Settings
from fic.storage.models import Staff
from fic.storage.models_staff import StaffToken

LIFETIME = {"reset": timedelta(hours=1), "invite": timedelta(days=7)}
PATH = {"reset": "/staff/password/reset/", "invite": "/staff/invitations/"}


@dataclass(frozen=True)
class IssuedToken:
    id: uuid.UUID
    url: str


def issue(
    session: Session,
    settings: Settings,
    staff: Staff,
    purpose: str,
    now: datetime,
    created_by: uuid.UUID | None = None,
) -> IssuedToken:
    """A new link; earlier unused links of the same purpose for this person stop working."""
    session.execute(
        update(StaffToken)
        .where(
            StaffToken.staff_id == staff.id,
            StaffToken.purpose == purpose,
            StaffToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = new_token()
    row = StaffToken(
        id=uuid.uuid4(),
        staff_id=staff.id,
        purpose=purpose,
        token_hash=sha256_hex(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + LIFETIME[purpose],
    )
    session.add(row)
    return IssuedToken(row.id, settings.base_url + PATH[purpose] + token)


def peek(session: Session, token: str, purpose: str, now: datetime) -> Staff:
    """The person a live link belongs to (GET shows the form; it uses nothing up)."""
    row = session.scalar(_live(token, purpose, now))
    staff = session.get(Staff, row.staff_id) if row else None
    if staff is None:
        raise LinkUnavailable("link unavailable")
    return staff


def redeem(
    session: Session, token: str, purpose: str, password: str, now: datetime
) -> Staff:
    """Use the link once and set the password; unknown, expired and used links look alike."""
    staff = peek(session, token, purpose, now)
    passwords.check_password_rules(password, staff.email)
    token_id = session.scalar(
        update(StaffToken)
        .where(
            StaffToken.token_hash == sha256_hex(token),
            StaffToken.purpose == purpose,
            StaffToken.used_at.is_(None),
            StaffToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(StaffToken.id)
    )
    if token_id is None:
        raise LinkUnavailable("link unavailable")
    signin.set_password(session, staff, password, now)
    return staff


def _live(token: str, purpose: str, now: datetime):
    return select(StaffToken).where(
        StaffToken.token_hash == sha256_hex(token[:100]),
        StaffToken.purpose == purpose,
        StaffToken.used_at.is_(None),
        StaffToken.expires_at > now,
    )


def reset_email(to: str, url: str, language: str = "en") -> Email:
    """In the staff member's language (fic.services.core.languages)."""
    with force_locale(language):
        return Email(
            to=to,
            subject="[fic] " + _("Choose a new password"),
            text=(
                _("Someone (hopefully you) asked to reset your fic password.") + "\n\n"
                + _("Choose a new one here within the next hour (the link works once):")
                + f"\n{url}\n\n"
                + _("If you did not ask for this, ignore this message; your password stays "
                    "as it is.") + "\n"
            ),
        )


def invitation_email(to: str, clinic: str, role: str, url: str, language: str = "en") -> Email:
    with force_locale(language):
        return Email(
            to=to,
            subject="[fic] " + _("You are invited to %(clinic)s", clinic=clinic),
            text=(
                _("You have been invited to fic at %(clinic)s as a %(role)s.", clinic=clinic,
                  role=_(ROLE_NAMES.get(role, role))) + "\n\n"
                + _("Choose your password here within 7 days (the link works once):")
                + f"\n{url}\n\n"
                + _("Supervisors and admins then set up a second factor with an "
                    "authenticator app.") + "\n"
            ),
        )
