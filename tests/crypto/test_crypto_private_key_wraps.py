"""Wrapping a user's private key under a password, a secret, or another key pair."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.crypto import (
    IntegrityError,
    KdfParams,
    KeySuite,
    SecretPurpose,
    UserPrivateKey,
    WrongKeyError,
    WrongPasswordError,
    WrongSecretError,
    generate_user_keypair,
    new_secret,
    unsafe_serialize_private_key,
    unwrap_private_key_from,
    unwrap_private_key_with_password,
    unwrap_private_key_with_secret,
    wrap_private_key_to,
    wrap_private_key_with_password,
    wrap_private_key_with_secret,
)
from confide.crypto.format import HEADER_LEN

FAST = KdfParams.unsafe_for_tests()
ALICE_PASSWORD = "a long passphrase alice chose"
ALICE = generate_user_keypair()
ALICE_CLASSIC = generate_user_keypair(KeySuite.X25519)
RECOVERY = generate_user_keypair()


def same_key(a: UserPrivateKey, b: UserPrivateKey) -> bool:
    """Return whether two private keys hold the same key material."""
    return unsafe_serialize_private_key(a) == unsafe_serialize_private_key(b)


# Password wraps.


@pytest.mark.parametrize("private_key", [ALICE, ALICE_CLASSIC], ids=["hybrid", "classic"])
def test_a_password_wrap_opens_with_the_password(private_key: UserPrivateKey) -> None:
    blob = wrap_private_key_with_password(
        private_key, ALICE_PASSWORD, owner_id="alice", params=FAST
    )
    unwrapped = unwrap_private_key_with_password(blob, ALICE_PASSWORD, owner_id="alice")
    assert same_key(unwrapped, private_key)


def test_a_wrong_password_raises_wrong_password_error() -> None:
    blob = wrap_private_key_with_password(ALICE, ALICE_PASSWORD, owner_id="alice", params=FAST)
    with pytest.raises(WrongPasswordError, match="wrong password"):
        unwrap_private_key_with_password(blob, "a long passphrase alice chose!", owner_id="alice")


def test_a_wrong_password_is_a_wrong_secret_error() -> None:
    assert issubclass(WrongPasswordError, WrongSecretError)


def test_a_password_wrap_cannot_be_moved_to_another_account() -> None:
    blob = wrap_private_key_with_password(ALICE, ALICE_PASSWORD, owner_id="alice", params=FAST)
    with pytest.raises(WrongPasswordError):
        unwrap_private_key_with_password(blob, ALICE_PASSWORD, owner_id="bob")


def test_the_password_is_normalized_so_composed_and_decomposed_forms_match() -> None:
    blob = wrap_private_key_with_password(ALICE, "caf\u00e9 au lait", owner_id="alice", params=FAST)
    unwrapped = unwrap_private_key_with_password(blob, "cafe\u0301 au lait", owner_id="alice")
    assert same_key(unwrapped, ALICE)


def test_the_parameters_and_salt_are_stored_in_the_blob() -> None:
    blob = wrap_private_key_with_password(ALICE, ALICE_PASSWORD, owner_id="alice", params=FAST)
    assert blob[HEADER_LEN : HEADER_LEN + 9] == FAST.encode()
    other = wrap_private_key_with_password(ALICE, ALICE_PASSWORD, owner_id="alice", params=FAST)
    assert blob[HEADER_LEN + 9 : HEADER_LEN + 25] != other[HEADER_LEN + 9 : HEADER_LEN + 25]


def test_tampered_parameters_fail() -> None:
    blob = bytearray(
        wrap_private_key_with_password(ALICE, ALICE_PASSWORD, owner_id="alice", params=FAST)
    )
    blob[HEADER_LEN + 7] ^= 0x02  # One pass becomes three.
    with pytest.raises(WrongPasswordError):
        unwrap_private_key_with_password(bytes(blob), ALICE_PASSWORD, owner_id="alice")


def test_absurd_stored_parameters_are_refused_before_hashing() -> None:
    blob = bytearray(
        wrap_private_key_with_password(ALICE, ALICE_PASSWORD, owner_id="alice", params=FAST)
    )
    blob[HEADER_LEN : HEADER_LEN + 4] = (2**31).to_bytes(4, "big")  # Two TiB of memory.
    with pytest.raises(IntegrityError, match="Argon2id parameters"):
        unwrap_private_key_with_password(bytes(blob), ALICE_PASSWORD, owner_id="alice")


def test_a_truncated_password_wrap_fails_at_every_length() -> None:
    blob = wrap_private_key_with_password(ALICE, ALICE_PASSWORD, owner_id="alice", params=FAST)
    for length in range(HEADER_LEN + 9 + 16 + 12 + 16):
        with pytest.raises(IntegrityError):
            unwrap_private_key_with_password(blob[:length], ALICE_PASSWORD, owner_id="alice")


def test_the_default_parameters_are_64_mib_three_passes_one_lane() -> None:
    assert KdfParams() == KdfParams(memory_kib=65536, iterations=3, parallelism=1)


@pytest.mark.parametrize(
    "params",
    [
        {"memory_kib": 8192, "iterations": 1},
        {"memory_kib": 4096, "iterations": 10},
        {"memory_kib": 19456, "iterations": 1},
    ],
)
def test_weak_parameters_are_refused_outside_tests(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="too weak"):
        KdfParams(**params)


def test_owasp_minimum_parameters_are_accepted() -> None:
    KdfParams(memory_kib=19456, iterations=2)
    KdfParams(memory_kib=47104, iterations=1)


@pytest.mark.parametrize(
    "params",
    [
        {"memory_kib": 2**23, "iterations": 3},
        {"iterations": 0},
        {"parallelism": 0},
        {"memory_kib": 4, "unsafe_allow_weak": True},
    ],
)
def test_impossible_parameters_are_refused_even_in_tests(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be between"):
        KdfParams(**params)


def test_an_empty_password_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        wrap_private_key_with_password(ALICE, "", owner_id="alice", params=FAST)


# Secret wraps (session secrets and personal access tokens).


def test_new_secret_is_32_random_bytes() -> None:
    assert len(new_secret()) == 32
    assert new_secret() != new_secret()


@settings(max_examples=10, deadline=None)
@given(secret=st.binary(min_size=32, max_size=64), purpose=st.sampled_from(SecretPurpose))
def test_a_secret_wrap_opens_with_the_secret(secret: bytes, purpose: SecretPurpose) -> None:
    blob = wrap_private_key_with_secret(ALICE, secret, purpose=purpose, owner_id="alice")
    unwrapped = unwrap_private_key_with_secret(blob, secret, purpose=purpose, owner_id="alice")
    assert same_key(unwrapped, ALICE)


def test_a_wrong_secret_raises_wrong_secret_error() -> None:
    blob = wrap_private_key_with_secret(
        ALICE, new_secret(), purpose=SecretPurpose.SESSION, owner_id="alice"
    )
    with pytest.raises(WrongSecretError):
        unwrap_private_key_with_secret(
            blob, new_secret(), purpose=SecretPurpose.SESSION, owner_id="alice"
        )


def test_a_session_secret_does_not_open_a_token_wrap() -> None:
    secret = new_secret()
    blob = wrap_private_key_with_secret(
        ALICE, secret, purpose=SecretPurpose.PERSONAL_ACCESS_TOKEN, owner_id="alice"
    )
    with pytest.raises(WrongSecretError):
        unwrap_private_key_with_secret(
            blob, secret, purpose=SecretPurpose.SESSION, owner_id="alice"
        )


def test_a_secret_wrap_cannot_be_moved_to_another_account() -> None:
    secret = new_secret()
    blob = wrap_private_key_with_secret(
        ALICE, secret, purpose=SecretPurpose.SESSION, owner_id="alice"
    )
    with pytest.raises(WrongSecretError):
        unwrap_private_key_with_secret(blob, secret, purpose=SecretPurpose.SESSION, owner_id="bob")


def test_a_flipped_byte_in_a_secret_wrap_fails() -> None:
    secret = new_secret()
    blob = wrap_private_key_with_secret(
        ALICE, secret, purpose=SecretPurpose.SESSION, owner_id="alice"
    )
    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        # A changed header no longer parses; any other change fails the AEAD tag.
        expected = IntegrityError if position < HEADER_LEN else WrongSecretError
        with pytest.raises(expected):
            unwrap_private_key_with_secret(
                bytes(tampered), secret, purpose=SecretPurpose.SESSION, owner_id="alice"
            )


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 random bytes"):
        wrap_private_key_with_secret(
            ALICE, b"password123", purpose=SecretPurpose.SESSION, owner_id="alice"
        )


# HPKE wraps of a private key, as used to escrow it to the practice recovery key.


def test_a_private_key_wrapped_to_the_recovery_key_opens_with_it() -> None:
    blob = wrap_private_key_to(RECOVERY.public_key(), ALICE, owner_id="alice")
    assert same_key(unwrap_private_key_from(RECOVERY, blob, owner_id="alice"), ALICE)


def test_a_private_key_wrap_is_bound_to_its_owner() -> None:
    blob = wrap_private_key_to(RECOVERY.public_key(), ALICE, owner_id="alice")
    with pytest.raises(IntegrityError):
        unwrap_private_key_from(RECOVERY, blob, owner_id="bob")


def test_a_private_key_wrap_for_another_key_pair_raises_wrong_key_error() -> None:
    blob = wrap_private_key_to(RECOVERY.public_key(), ALICE, owner_id="alice")
    with pytest.raises(WrongKeyError):
        unwrap_private_key_from(ALICE, blob, owner_id="alice")


def test_a_truncated_private_key_wrap_fails() -> None:
    blob = wrap_private_key_to(RECOVERY.public_key(), ALICE, owner_id="alice")
    for length in range(0, len(blob), 13):
        with pytest.raises(IntegrityError):
            unwrap_private_key_from(RECOVERY, blob[:length], owner_id="alice")
