"""User key pairs, fingerprints and HPKE wraps of scope keys, for both suites.

Personas: alice owns the practice, bob is on the client's care team, and
charlie has no access.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.crypto import (
    DEFAULT_SUITE,
    IntegrityError,
    KeySuite,
    Scope,
    ScopeKey,
    UserPrivateKey,
    WrapContext,
    WrongKeyError,
    fingerprint,
    generate_user_keypair,
    load_public_key,
    serialize_public_key,
    unsafe_load_private_key,
    unsafe_serialize_private_key,
    unwrap_key,
    wrap_key_to,
)
from confide.crypto.format import HEADER_LEN, KEY_ID_LEN

SUITES = list(KeySuite)
CONTEXT = WrapContext(
    practice_id="practice-1", client_id="client-dana", scope=Scope.CLINICAL, recipient_id="bob"
)
KEYS = {suite: (generate_user_keypair(suite), generate_user_keypair(suite)) for suite in SUITES}


def bob_and_charlie(suite: KeySuite) -> tuple[UserPrivateKey, UserPrivateKey]:
    """Return bob's and charlie's key pairs for ``suite`` (generated once per run)."""
    return KEYS[suite]


def test_the_default_suite_is_the_post_quantum_hybrid() -> None:
    assert DEFAULT_SUITE is KeySuite.MLKEM768_X25519
    assert generate_user_keypair().suite is KeySuite.MLKEM768_X25519


@pytest.mark.parametrize("suite", SUITES)
def test_bob_unwraps_a_scope_key_wrapped_to_him(suite: KeySuite) -> None:
    bob, _ = bob_and_charlie(suite)
    key = ScopeKey.generate()
    blob = wrap_key_to(bob.public_key(), key, CONTEXT)
    assert blob[4] == suite
    assert unwrap_key(bob, blob, CONTEXT) == key


@pytest.mark.parametrize("suite", SUITES)
def test_charlie_cannot_unwrap_a_key_wrapped_to_bob(suite: KeySuite) -> None:
    bob, charlie = bob_and_charlie(suite)
    blob = wrap_key_to(bob.public_key(), ScopeKey.generate(), CONTEXT)
    with pytest.raises(WrongKeyError):
        unwrap_key(charlie, blob, CONTEXT)


def test_a_key_of_the_other_suite_is_refused() -> None:
    bob_classic, _ = bob_and_charlie(KeySuite.X25519)
    bob_hybrid, _ = bob_and_charlie(KeySuite.MLKEM768_X25519)
    blob = wrap_key_to(bob_classic.public_key(), ScopeKey.generate(), CONTEXT)
    with pytest.raises(WrongKeyError):
        unwrap_key(bob_hybrid, blob, CONTEXT)


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize(
    "change",
    [
        {"practice_id": "practice-2"},
        {"client_id": "client-eve"},
        {"scope": Scope.PRIVATE},
        {"recipient_id": "charlie"},
    ],
)
def test_a_wrap_moved_to_another_context_fails(suite: KeySuite, change: dict[str, str]) -> None:
    bob, _ = bob_and_charlie(suite)
    blob = wrap_key_to(bob.public_key(), ScopeKey.generate(), CONTEXT)
    with pytest.raises(IntegrityError):
        unwrap_key(bob, blob, dataclasses.replace(CONTEXT, **change))  # type: ignore[arg-type]


@pytest.mark.parametrize("suite", SUITES)
def test_a_flipped_byte_in_a_wrap_fails_with_the_precise_error(suite: KeySuite) -> None:
    bob, _ = bob_and_charlie(suite)
    blob = wrap_key_to(bob.public_key(), ScopeKey.generate(), CONTEXT)
    recipient_id_end = HEADER_LEN + KEY_ID_LEN
    # The hybrid wrap is over a kilobyte, so test a stride of positions plus every header byte.
    positions = sorted(set(range(60)) | set(range(0, len(blob), 7)) | {len(blob) - 1})
    for position in positions:
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        expected = WrongKeyError if HEADER_LEN <= position < recipient_id_end else IntegrityError
        with pytest.raises(expected):
            unwrap_key(bob, bytes(tampered), CONTEXT)


@pytest.mark.parametrize("suite", SUITES)
def test_a_truncated_wrap_fails_at_every_length(suite: KeySuite) -> None:
    bob, _ = bob_and_charlie(suite)
    blob = wrap_key_to(bob.public_key(), ScopeKey.generate(), CONTEXT)
    for length in range(len(blob)):
        with pytest.raises(IntegrityError):
            unwrap_key(bob, blob[:length], CONTEXT)


def test_the_scope_key_id_is_bound_into_the_wrap() -> None:
    bob, _ = bob_and_charlie(DEFAULT_SUITE)
    blob = bytearray(wrap_key_to(bob.public_key(), ScopeKey.generate(), CONTEXT))
    blob[HEADER_LEN + KEY_ID_LEN] ^= 0xFF
    with pytest.raises(IntegrityError):
        unwrap_key(bob, bytes(blob), CONTEXT)


@settings(max_examples=20, deadline=None)
@given(suite=st.sampled_from(SUITES), practice=st.text(min_size=1, max_size=30))
def test_wraps_round_trip_for_any_context(suite: KeySuite, practice: str) -> None:
    practice = practice.encode("utf-8", "replace").decode("utf-8")
    bob, _ = bob_and_charlie(suite)
    key = ScopeKey.generate()
    context = dataclasses.replace(CONTEXT, practice_id=practice)
    assert unwrap_key(bob, wrap_key_to(bob.public_key(), key, context), context) == key


@pytest.mark.parametrize("suite", SUITES)
def test_public_keys_round_trip_with_their_suite(suite: KeySuite) -> None:
    bob, _ = bob_and_charlie(suite)
    data = serialize_public_key(bob.public_key())
    assert data[:5] == b"CF\x01\x08" + bytes([suite])
    loaded = load_public_key(data)
    assert loaded == bob.public_key()
    assert loaded.suite is suite


@pytest.mark.parametrize("suite", SUITES)
def test_private_keys_round_trip_with_their_suite(suite: KeySuite) -> None:
    bob, _ = bob_and_charlie(suite)
    loaded = unsafe_load_private_key(unsafe_serialize_private_key(bob))
    assert loaded.public_key() == bob.public_key()
    key = ScopeKey.generate()
    assert unwrap_key(loaded, wrap_key_to(bob.public_key(), key, CONTEXT), CONTEXT) == key


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"CF\x01\x08\x01" + b"\x00" * 31,
        b"CF\x01\x08\x02" + b"\x00" * 32,
        b"CF\x01\x08\x03" + b"\x00" * 32,
        b"CF\x01\x07\x01" + b"\x00" * 32,
    ],
)
def test_malformed_public_keys_are_refused(data: bytes) -> None:
    with pytest.raises(IntegrityError):
        load_public_key(data)


def test_a_truncated_private_key_is_refused() -> None:
    data = unsafe_serialize_private_key(generate_user_keypair())
    with pytest.raises(IntegrityError):
        unsafe_load_private_key(data[:-1])


def test_fingerprints_are_eight_groups_of_four_base32_characters() -> None:
    bob, charlie = bob_and_charlie(DEFAULT_SUITE)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", fingerprint(bob.public_key()))
    assert fingerprint(bob.public_key()) != fingerprint(charlie.public_key())
    assert fingerprint(bob.public_key()) == fingerprint(
        load_public_key(serialize_public_key(bob.public_key()))
    )


def test_the_fingerprint_covers_the_suite() -> None:
    # The same X25519 part in a different suite must not look like the same key.
    classic, _ = bob_and_charlie(KeySuite.X25519)
    hybrid, _ = bob_and_charlie(KeySuite.MLKEM768_X25519)
    assert fingerprint(classic.public_key()) != fingerprint(hybrid.public_key())


def test_private_key_repr_shows_no_key_material() -> None:
    bob, _ = bob_and_charlie(KeySuite.X25519)
    raw = unsafe_serialize_private_key(bob)[5:]
    assert raw.hex() not in repr(bob)
    assert fingerprint(bob.public_key()) in repr(bob)


@pytest.mark.parametrize("suite", SUITES)
def test_a_low_order_x25519_point_in_the_wrap_fails_authentication(suite: KeySuite) -> None:
    bob, _ = bob_and_charlie(suite)
    blob = bytearray(wrap_key_to(bob.public_key(), ScopeKey.generate(), CONTEXT))
    enc_start = HEADER_LEN + 2 * KEY_ID_LEN
    # In the hybrid suite the X25519 share follows the 1,088-byte ML-KEM ciphertext.
    x25519_start = enc_start + (1088 if suite is KeySuite.MLKEM768_X25519 else 0)
    blob[x25519_start : x25519_start + 32] = bytes(32)
    with pytest.raises(IntegrityError):
        unwrap_key(bob, bytes(blob), CONTEXT)
