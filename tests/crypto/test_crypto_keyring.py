"""The keyring recipe: fast symmetric self-wraps of scope keys, bound like HPKE wraps."""

from __future__ import annotations

import pytest

from confide import crypto

CONTEXT = crypto.WrapContext(practice_id="1", client_id="c-1", scope=crypto.Scope.ADMIN, recipient_id="user:1")


def test_a_keyring_wrap_round_trips_and_is_deterministic_per_private_key() -> None:
    private = crypto.generate_user_keypair()
    key = crypto.ScopeKey.generate()
    blob = crypto.wrap_key_to_keyring(crypto.keyring_for(private), key, CONTEXT)
    assert key.secret not in blob
    assert crypto.unwrap_key_from_keyring(crypto.keyring_for(private), blob, CONTEXT) == key


def test_another_persons_keyring_cannot_open_it() -> None:
    key = crypto.ScopeKey.generate()
    blob = crypto.wrap_key_to_keyring(crypto.keyring_for(crypto.generate_user_keypair()), key, CONTEXT)
    with pytest.raises(crypto.WrongKeyError):
        crypto.unwrap_key_from_keyring(crypto.keyring_for(crypto.generate_user_keypair()), blob, CONTEXT)


@pytest.mark.parametrize("field", ["practice_id", "client_id", "recipient_id"])
def test_a_keyring_wrap_moved_to_another_context_fails(field: str) -> None:
    private = crypto.generate_user_keypair()
    blob = crypto.wrap_key_to_keyring(crypto.keyring_for(private), crypto.ScopeKey.generate(), CONTEXT)
    values = {"practice_id": "1", "client_id": "c-1", "scope": crypto.Scope.ADMIN, "recipient_id": "user:1"}
    values[field] = "other"
    with pytest.raises(crypto.IntegrityError):
        crypto.unwrap_key_from_keyring(crypto.keyring_for(private), blob, crypto.WrapContext(**values))


def test_every_flipped_byte_or_truncation_is_caught() -> None:
    private = crypto.generate_user_keypair()
    ring = crypto.keyring_for(private)
    blob = crypto.wrap_key_to_keyring(ring, crypto.ScopeKey.generate(), CONTEXT)
    for index in range(len(blob)):
        flipped = bytearray(blob)
        flipped[index] ^= 0x01
        with pytest.raises(crypto.CryptoError):
            crypto.unwrap_key_from_keyring(ring, bytes(flipped), CONTEXT)
    for length in range(len(blob)):
        with pytest.raises(crypto.CryptoError):
            crypto.unwrap_key_from_keyring(ring, blob[:length], CONTEXT)
