"""Tables of delivery: channels, webhooks, acknowledgements, escalations, reminders."""

from fic.storage.models import Base  # noqa: F401
