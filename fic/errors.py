"""The one exception hierarchy. Messages never carry health data, tokens or contacts."""


class FicError(Exception):
    """Base of every error fic raises on purpose."""


class NotFound(FicError):
    """The object does not exist or is outside the caller's scope (both look the same)."""


class InvalidRequest(FicError):
    """A caller sent something fic cannot accept; the message says what, never the data."""


class LinkUnavailable(FicError):
    """A feedback link is unknown, expired or used; callers must not tell which."""


class DecryptionFailed(FicError):
    """Ciphertext did not authenticate under its key and row binding."""


class ConfigurationError(FicError):
    """Settings are missing or malformed."""
