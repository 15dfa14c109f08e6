"""Field encryption: a ciphertext opens only under its own client's key and row binding."""

from __future__ import annotations

import base64
import secrets

import pytest

from fic.crypto import KeyRing, binding, new_passphrase
from fic.errors import ConfigurationError, DecryptionFailed


def _ring(*kids: str) -> KeyRing:
    return KeyRing(",".join(f"{k}:{base64.b64encode(secrets.token_bytes(32)).decode()}"
                            for k in kids))


def test_a_sealed_comment_opens_with_its_own_binding():
    ring = _ring("k1")
    owner = binding("client", "dek", "c1")
    dek = ring.new_data_key(owner)
    blob = ring.seal("I felt unheard", dek, owner, binding("response", "comment", "r1"))
    assert b"unheard" not in blob
    assert ring.open(blob, dek, owner, binding("response", "comment", "r1")) == "I felt unheard"


def test_a_comment_copied_onto_another_row_does_not_decrypt():
    ring = _ring("k1")
    owner = binding("client", "dek", "c1")
    dek = ring.new_data_key(owner)
    blob = ring.seal("private", dek, owner, binding("response", "comment", "r1"))
    with pytest.raises(DecryptionFailed):
        ring.open(blob, dek, owner, binding("response", "comment", "r2"))


def test_another_clients_data_key_cannot_open_it():
    ring = _ring("k1")
    mine, theirs = binding("client", "dek", "a"), binding("client", "dek", "b")
    blob = ring.seal("private", ring.new_data_key(mine), mine, b"row")
    with pytest.raises(DecryptionFailed):
        ring.open(blob, ring.new_data_key(theirs), theirs, b"row")


def test_a_wrapped_key_moved_to_another_client_does_not_unwrap():
    ring = _ring("k1")
    wrapped = ring.new_data_key(binding("client", "dek", "a"))
    with pytest.raises(DecryptionFailed):
        ring.unwrap(wrapped, binding("client", "dek", "b"))


def test_after_rotation_old_data_keys_still_open_and_rewrap_under_the_new_key():
    old = _ring("k1")
    owner = binding("client", "dek", "c")
    wrapped = old.new_data_key(owner)
    blob = old.seal("kept", wrapped, owner, b"row")
    spec_old = old._keys["k1"]
    rotated = KeyRing(f"k2:{base64.b64encode(secrets.token_bytes(32)).decode()},"
                      f"k1:{base64.b64encode(spec_old).decode()}")
    rewrapped = rotated.rewrap(wrapped, owner)
    assert rewrapped.kid == "k2"
    assert rotated.open(blob, rewrapped, owner, b"row") == "kept"


def test_an_empty_key_ring_is_refused():
    with pytest.raises(ConfigurationError):
        KeyRing(" , ")


@pytest.mark.parametrize("secret", ["notbase64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_is_refused_without_echoing_it(secret):
    with pytest.raises(ConfigurationError) as raised:
        KeyRing(f"k1:{secret}")
    assert secret not in str(raised.value)


def test_report_passphrases_are_long_and_random():
    first, second = new_passphrase(), new_passphrase()
    assert len(first) >= 20 and first != second
