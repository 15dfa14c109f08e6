"""Sealing a client's confidential text under that client's own data key."""

from __future__ import annotations

from fic.crypto import KeyRing, WrappedKey
from fic.errors import DecryptionFailed, InvalidRequest
from fic.storage.models import Client
from fic.storage.repository import client_key_owner


def ensure_key(keys: KeyRing, client: Client) -> None:
    """A data key for a client who has none yet; never again for an erased client (whatever
    would be sealed now could be read, which erasure promised it would not)."""
    if client.erased_at is not None:
        raise InvalidRequest.about("client", "this client's data was erased; nothing new is kept")
    if client.dek_wrapped is None:
        wrapped = keys.new_data_key(client_key_owner(client.id))
        client.dek_kid, client.dek_wrapped = wrapped.kid, wrapped.blob


def seal(keys: KeyRing, client: Client, text: str, aad: bytes) -> bytes:
    ensure_key(keys, client)
    return keys.seal(text, _wrapped(client), client_key_owner(client.id), aad)


def unseal(keys: KeyRing, client: Client, blob: bytes, aad: bytes) -> str:
    return keys.open(blob, _wrapped(client), client_key_owner(client.id), aad)


def _wrapped(client: Client) -> WrappedKey:
    if client.dek_wrapped is None or client.dek_kid is None:
        raise DecryptionFailed("the client's data key has been erased")
    return WrappedKey(client.dek_kid, client.dek_wrapped)
