"""Email addresses as fic accepts them: checked by email-validator, never a header injection.

Every address a person or a system types (staff invitations, the on-call address, a
client's contact for "send by email", the API's contact) passes here before anything is
stored, so a CR/LF, a display name or a second address is refused with a clear message
instead of failing later in the mail server. Deliverability (DNS) is not checked: fic runs
offline, and `.test` domains are accepted for trials.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from fic.errors import InvalidRequest

MAX_LENGTH = 254


def email_address(value: object, field: str = "email") -> str:
    """The normalised address (domain lower-cased), or InvalidRequest naming the field."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LENGTH:
        raise InvalidRequest.about(field, f"an email address of at most {MAX_LENGTH} characters")
    try:
        checked = validate_email(value.strip(), check_deliverability=False,
                                 test_environment=True, allow_display_name=False)
    except EmailNotValidError:
        raise InvalidRequest.about(field, "not a valid email address") from None
    return checked.normalized
