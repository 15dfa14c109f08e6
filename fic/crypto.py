"""All encryption in fic: field encryption at rest and PDF encryption.

Threat model: someone who obtains a database dump, a backup or a stray report file must
learn nothing about clients. Every confidential field is sealed with AES-256-GCM under a
per-client data key (DEK); each DEK is stored wrapped by a key-encryption key (KEK) from the
key ring in settings, never in the database. The associated data binds a ciphertext to its
table, column and row, so a blob copied onto another row fails to decrypt instead of
showing one client's words in another's record. Deleting a client's wrapped DEK makes all
of that client's ciphertext unreadable (crypto-shredding). Keys never appear in logs or
exception messages.

Reports are encrypted as PDF 2.0 AES-256 revision 6 (never RC4, never R5) with the
supervisor's passphrase, metadata included.
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fic.errors import ConfigurationError, DecryptionFailed

_FORMAT = b"\x01"
_NONCE = 12


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_token() -> str:
    """A 256-bit random token for links and API keys."""
    return secrets.token_urlsafe(32)


def binding(table: str, column: str, row_id: object) -> bytes:
    return f"fic|{table}|{column}|{row_id}".encode()


@dataclass(frozen=True)
class WrappedKey:
    kid: str
    blob: bytes


class KeyRing:
    """Key-encryption keys, ordered for rotation: the first wraps, all may unwrap."""

    def __init__(self, spec: str) -> None:
        self._keys: dict[str, bytes] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            kid, _, encoded = part.partition(":")
            try:
                key = base64.b64decode(encoded, validate=True)
            except ValueError:
                raise ConfigurationError(f"data key {kid!r} is not base64") from None
            if len(key) != 32:
                raise ConfigurationError(f"data key {kid!r} must be 32 bytes")
            self._keys[kid] = key
        if not self._keys:
            raise ConfigurationError("FIC_DATA_KEYS holds no key")
        self.current = next(iter(self._keys))

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def _kek(self, kid: str) -> AESGCM:
        try:
            return AESGCM(self._keys[kid])
        except KeyError:
            raise DecryptionFailed("unknown key id") from None

    def new_data_key(self, owner: bytes) -> WrappedKey:
        return self.wrap(AESGCM.generate_key(bit_length=256), owner)

    def wrap(self, data_key: bytes, owner: bytes) -> WrappedKey:
        return WrappedKey(self.current, _seal(self._kek(self.current), data_key, owner))

    def unwrap(self, wrapped: WrappedKey, owner: bytes) -> bytes:
        return _open(self._kek(wrapped.kid), wrapped.blob, owner)

    def rewrap(self, wrapped: WrappedKey, owner: bytes) -> WrappedKey:
        """Re-wrap a data key under the current KEK (key rotation)."""
        return self.wrap(self.unwrap(wrapped, owner), owner)

    def seal(self, plaintext: str, wrapped: WrappedKey, owner: bytes, aad: bytes) -> bytes:
        return _seal(AESGCM(self.unwrap(wrapped, owner)), plaintext.encode(), aad)

    def open(self, blob: bytes, wrapped: WrappedKey, owner: bytes, aad: bytes) -> str:
        return _open(AESGCM(self.unwrap(wrapped, owner)), blob, aad).decode()

    def seal_direct(self, plaintext: str, aad: bytes) -> bytes:
        """For staff secrets that belong to no client: sealed under the KEK itself."""
        return self.seal_bytes(plaintext.encode(), aad)

    def open_direct(self, blob: bytes, aad: bytes) -> str:
        return self.open_bytes(blob, aad).decode()

    def seal_bytes(self, data: bytes, aad: bytes) -> bytes:
        """Binary data that belongs to no client (a stored report), under the KEK."""
        return self.current.encode() + b":" + _seal(self._kek(self.current), data, aad)

    def open_bytes(self, blob: bytes, aad: bytes) -> bytes:
        kid, _, rest = blob.partition(b":")
        return _open(self._kek(kid.decode()), rest, aad)

    def has(self, kid: str) -> bool:
        return kid in self._keys

    def derive(self, kid: str, purpose: str) -> bytes:
        """A 256-bit key for one purpose (the audit chain's MAC), derived from one KEK by HKDF.

        Never stored: whoever has the key ring can re-derive it, nobody else can.
        """
        if kid not in self._keys:
            raise DecryptionFailed("unknown key id")
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=f"fic|{purpose}".encode())
        return hkdf.derive(self._keys[kid])

    def is_current(self, blob: bytes) -> bool:
        """Whether a blob from seal_bytes/seal_direct is sealed under the current key."""
        return blob.startswith(self.current.encode() + b":")


def _seal(aead: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return _FORMAT + nonce + aead.encrypt(nonce, plaintext, aad)


def _open(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    if blob[:1] != _FORMAT:
        raise DecryptionFailed("unknown ciphertext format")
    nonce, body = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
    try:
        return aead.decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionFailed("ciphertext failed authentication") from None


def new_passphrase(length: int = 24) -> str:
    """A report passphrase: random, typeable, no look-alike characters."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def encrypt_pdf(pdf: bytes, passphrase: str, current: str = "") -> bytes:
    """AES-256 revision 6 with metadata encrypted; the owner password is random and thrown away.

    `current` opens a PDF that is encrypted already (re-encryption under a new passphrase).
    """
    import pikepdf  # only processes that build reports load qpdf

    if len(passphrase) < 20:
        raise ConfigurationError("report passphrase must have at least 20 characters")
    out = io.BytesIO()
    try:
        doc = pikepdf.open(io.BytesIO(pdf), password=current)
    except pikepdf.PasswordError:
        raise DecryptionFailed("the report does not open with the current passphrase") from None
    with doc:
        doc.save(
            out,
            encryption=pikepdf.Encryption(
                user=passphrase, owner=secrets.token_urlsafe(32), R=6, aes=True, metadata=True
            ),
        )
    return out.getvalue()
