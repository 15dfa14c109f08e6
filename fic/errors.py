"""The one exception hierarchy. Messages never carry health data, tokens or contacts.

Every error fic raises on purpose is a FicError; adapters map them (a page to a message, the
API to a JSON status, the CLI to an exit code). Errors that carry their problems as data
(fic.domain.answers.AnswerErrors, fic.services.alerts.backtest.BacktestError) subclass
InvalidRequest next to the values they describe.
"""

from __future__ import annotations

from collections.abc import Callable


class FicError(Exception):
    """Base of every error fic raises on purpose."""


class NotFound(FicError):
    """The object does not exist or is outside the caller's scope (both look the same)."""


class InvalidRequest(FicError):
    """A caller sent something fic cannot accept; the message says what, never the data.

    `field` names what was wrong (a form field, an API body key) and `problem` says how,
    so adapters show them side by side without reading them back out of the message.
    """

    field: str | None = None

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self._problem = message
        self._template: tuple[str, dict[str, object]] = (message, {})

    @classmethod
    def about(cls, field: str, problem: str, **values: object) -> InvalidRequest:
        """`problem` may be a %-template with `values` (marked N_ for the catalogues)."""
        error = cls(problem % values if values else problem, field=field)
        error._template = (problem, values)
        return error

    @property
    def problem(self) -> str:
        """What is wrong, without the field's name."""
        return getattr(self, "_problem", "") or str(self)

    def problem_in(self, translate: Callable[[str], str]) -> str:
        """The problem in a page's language: `translate` is gettext."""
        template, values = getattr(self, "_template", (self.problem, {}))
        if not template:
            return self.problem
        return translate(template) % values if values else translate(template)


class InvalidJson(InvalidRequest):
    """An API body is not a JSON object."""


class Unauthorized(FicError):
    """No API key, or one that is unknown or revoked."""


class LinkUnavailable(FicError):
    """A feedback link is unknown, expired or used; callers must not tell which."""


class DecryptionFailed(FicError):
    """Ciphertext did not authenticate under its key and row binding."""


class ConfigurationError(FicError):
    """Settings are missing or malformed."""


class InstrumentError(FicError):
    """An instrument definition is malformed, or has no such item; the message names it."""


class PolicyError(InvalidRequest):
    """A policy setting is unknown or out of range; the message names the setting."""


class HistoryError(InvalidRequest):
    """Visits were not given in strictly increasing session order."""


class DeliveryFailed(FicError):
    """The provider did not accept the message; safe to retry."""


class StorageUnavailable(FicError):
    """The database did not answer (restarting, unreachable, locked); try again shortly."""
