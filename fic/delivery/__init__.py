"""The transports fic reaches people through: SMTP email (or files, in the demo), SMS
providers and signed webhooks. The channels that use them, and their registry, are in
fic.services (core.channels, delivery.*_channel)."""
