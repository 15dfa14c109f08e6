"""A clinic's own systems talking to fic: API keys and their scopes, idempotent replies,
webhooks in and out."""
