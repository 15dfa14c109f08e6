"""Who is calling the API: the key's clinic and what the key may do (its scopes).

A key made before scopes existed has none recorded and keeps full access. A key is
looked up by its SHA-256 only; every call is written to the audit trail under the key's
id (never the key itself).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from fic.crypto import sha256_hex
from fic.errors import NotFound
from fic.services.clinic.api_scopes import SCOPES, check_scopes
from fic.services.core import audit

__all__ = ["SCOPES", "Caller", "Forbidden", "authenticate", "check_scopes", "record_call"]
from fic.storage.db import Database
from fic.storage.models import ApiKey


class Forbidden(NotFound):
    """The key is valid but lacks the scope; the API answers 403 naming the scope."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"this API key lacks the scope {scope}")
        self.scope = scope


@dataclass(frozen=True)
class Caller:
    key_id: uuid.UUID
    clinic_id: uuid.UUID
    scopes: frozenset[str] | None  # None: every scope

    def require(self, scope: str | None) -> None:
        if scope is not None and self.scopes is not None and scope not in self.scopes:
            raise Forbidden(scope)


def authenticate(db: Database, presented: str) -> Caller:
    """The caller behind a presented key; NotFound for an unknown or revoked one."""
    if not presented:
        raise NotFound("missing key")
    with db.session() as session:
        row = session.scalar(select(ApiKey).where(
            ApiKey.key_hash == sha256_hex(presented), ApiKey.revoked_at.is_(None)))
        if row is None:
            raise NotFound("unknown or revoked API key")
        scopes = None if row.scopes is None else frozenset(row.scopes)
        return Caller(row.id, row.clinic_id, scopes)


def record_call(db: Database, caller: Caller, status: int) -> None:
    """One audit row per API call: the key's id and the HTTP status, nothing of the body."""
    audit.write(db, "api_call", clinic_id=caller.clinic_id, object_type="api_key",
                object_id=caller.key_id, outcome=str(status))
