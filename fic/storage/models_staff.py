"""Tables of the staff side: credentials, sign-in and the audit trail."""

from fic.storage.models import Base  # noqa: F401
