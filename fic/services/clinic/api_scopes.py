"""What an API key may do: its scopes. A key with none recorded may do everything."""

from __future__ import annotations

from fic.errors import InvalidRequest

SCOPES = (
    "sessions:read", "sessions:write", "clients:read", "clients:write", "responses:read",
    "responses:write", "alerts:read", "alerts:write", "reports:read", "reports:write",
    "staff:read", "webhooks:read", "webhooks:write", "instruments:read", "settings:read",
    "settings:write", "export",
)  # fmt: skip


def check_scopes(scopes: object) -> list[str] | None:
    if scopes is None:
        return None
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
        raise InvalidRequest.about("scopes", "a list of scope names")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise InvalidRequest.about("scopes", f"unknown scope(s) {', '.join(unknown)}")
    return sorted(set(scopes))
