"""Sealing and opening record fields: round trips, binding and tampering."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.crypto import (
    CryptoError,
    IntegrityError,
    Scope,
    ScopeKey,
    SealContext,
    WrongKeyError,
    open_field,
    reseal_field,
    seal_field,
    sealed_key_id,
)
from confide.crypto.format import HEADER_LEN, KEY_ID_LEN

CONTEXT = SealContext(
    practice_id="practice-1",
    client_id="client-alice",
    record_type="progress_note",
    record_id="note-1",
    field="body",
    version=1,
    scope=Scope.CLINICAL,
)
KEY_ID_START = HEADER_LEN
KEY_ID_END = HEADER_LEN + KEY_ID_LEN

identifiers = st.text(min_size=1, max_size=40).filter(
    lambda s: not any(0xD800 <= ord(ch) <= 0xDFFF for ch in s)
)
contexts = st.builds(
    SealContext,
    practice_id=identifiers,
    client_id=identifiers,
    record_type=identifiers,
    record_id=identifiers,
    field=identifiers,
    version=st.integers(min_value=0, max_value=2**64 - 1),
    scope=st.sampled_from(Scope),
)


@given(plaintext=st.binary(max_size=5000), context=contexts)
def test_a_sealed_field_opens_to_its_plaintext(plaintext: bytes, context: SealContext) -> None:
    key = ScopeKey.generate()
    assert open_field(key, seal_field(key, plaintext, context), context) == plaintext


@given(context=contexts, other=contexts)
def test_a_field_sealed_for_one_context_does_not_open_in_another(
    context: SealContext, other: SealContext
) -> None:
    key = ScopeKey.generate()
    blob = seal_field(key, b"session notes", context)
    if other == context:
        assert open_field(key, blob, other) == b"session notes"
    else:
        with pytest.raises(IntegrityError):
            open_field(key, blob, other)


def test_sealing_twice_gives_different_ciphertexts() -> None:
    key = ScopeKey.generate()
    assert seal_field(key, b"same", CONTEXT) != seal_field(key, b"same", CONTEXT)


def test_the_ciphertext_does_not_contain_the_plaintext() -> None:
    key = ScopeKey.generate()
    assert b"suicidal ideation" not in seal_field(key, b"no suicidal ideation", CONTEXT)


@pytest.mark.parametrize(
    "change",
    [
        {"practice_id": "practice-2"},
        {"client_id": "client-bob"},
        {"record_type": "assessment"},
        {"record_id": "note-2"},
        {"field": "plan"},
        {"version": 2},
        {"scope": Scope.ADMIN},
        {"scope": Scope.PRIVATE},
    ],
    ids=lambda change: "-".join(f"{k}={v}" for k, v in change.items()),
)
def test_a_field_moved_to_another_place_fails_with_integrity_error(
    change: dict[str, object],
) -> None:
    key = ScopeKey.generate()
    blob = seal_field(key, b"progress note", CONTEXT)
    with pytest.raises(IntegrityError):
        open_field(key, blob, dataclasses.replace(CONTEXT, **change))  # type: ignore[arg-type]


def test_a_ciphertext_swapped_between_two_records_fails() -> None:
    key = ScopeKey.generate()
    note_1 = seal_field(key, b"first", CONTEXT)
    note_2_context = dataclasses.replace(CONTEXT, record_id="note-2")
    seal_field(key, b"second", note_2_context)
    with pytest.raises(IntegrityError):
        open_field(key, note_1, note_2_context)


def test_a_flipped_bit_anywhere_fails_with_the_precise_error() -> None:
    key = ScopeKey.generate()
    blob = seal_field(key, b"a short progress note", CONTEXT)
    for position in range(len(blob)):
        for bit in (0x01, 0x80):
            tampered = bytearray(blob)
            tampered[position] ^= bit
            # A changed key id names another key; every other change is tampering.
            expected = WrongKeyError if KEY_ID_START <= position < KEY_ID_END else IntegrityError
            with pytest.raises(expected):
                open_field(key, bytes(tampered), CONTEXT)


def test_a_truncated_field_fails_at_every_length() -> None:
    key = ScopeKey.generate()
    blob = seal_field(key, b"a short progress note", CONTEXT)
    for length in range(len(blob)):
        with pytest.raises(IntegrityError):
            open_field(key, blob[:length], CONTEXT)


def test_appended_bytes_fail() -> None:
    key = ScopeKey.generate()
    blob = seal_field(key, b"note", CONTEXT)
    with pytest.raises(IntegrityError):
        open_field(key, blob + b"\x00", CONTEXT)


def test_an_unknown_format_version_fails_with_integrity_error() -> None:
    key = ScopeKey.generate()
    blob = bytearray(seal_field(key, b"note", CONTEXT))
    blob[2] = 2
    with pytest.raises(IntegrityError, match="unsupported Confide format version 2"):
        open_field(key, bytes(blob), CONTEXT)


def test_an_unknown_algorithm_fails_with_integrity_error() -> None:
    key = ScopeKey.generate()
    blob = bytearray(seal_field(key, b"note", CONTEXT))
    blob[4] = 9
    with pytest.raises(IntegrityError, match="unsupported algorithm"):
        open_field(key, bytes(blob), CONTEXT)


def test_a_blob_of_another_kind_is_refused() -> None:
    key = ScopeKey.generate()
    blob = bytearray(seal_field(key, b"note", CONTEXT))
    blob[3] = 2
    with pytest.raises(IntegrityError, match="expected a sealed field, got a scope key wrap"):
        open_field(key, bytes(blob), CONTEXT)


def test_garbage_is_refused() -> None:
    with pytest.raises(IntegrityError, match="no Confide header"):
        open_field(ScopeKey.generate(), b"not a ciphertext at all", CONTEXT)


def test_opening_with_another_key_raises_wrong_key_error() -> None:
    blob = seal_field(ScopeKey.generate(), b"note", CONTEXT)
    with pytest.raises(WrongKeyError):
        open_field(ScopeKey.generate(), blob, CONTEXT)


def test_a_key_that_reuses_the_id_but_not_the_bytes_fails_authentication() -> None:
    key = ScopeKey.generate()
    impostor = ScopeKey(key_id=key.key_id, secret=bytes(32))
    with pytest.raises(IntegrityError):
        open_field(impostor, seal_field(key, b"note", CONTEXT), CONTEXT)


def test_every_failure_is_a_crypto_error() -> None:
    assert issubclass(IntegrityError, CryptoError)
    assert issubclass(WrongKeyError, CryptoError)


def test_rotation_reseals_under_the_new_key() -> None:
    old_key, new_key = ScopeKey.generate(), ScopeKey.generate()
    blob = seal_field(old_key, b"note", CONTEXT)
    assert sealed_key_id(blob) == old_key.key_id
    resealed = reseal_field(blob, CONTEXT, old_key=old_key, new_key=new_key)
    assert sealed_key_id(resealed) == new_key.key_id
    assert open_field(new_key, resealed, CONTEXT) == b"note"
    with pytest.raises(WrongKeyError):
        open_field(old_key, resealed, CONTEXT)


def test_resealing_can_move_a_field_to_a_new_version() -> None:
    key = ScopeKey.generate()
    version_2 = dataclasses.replace(CONTEXT, version=2)
    blob = reseal_field(
        seal_field(key, b"note", CONTEXT), CONTEXT, old_key=key, new_key=key, new_context=version_2
    )
    assert open_field(key, blob, version_2) == b"note"


def test_the_key_bytes_never_appear_in_repr() -> None:
    key = ScopeKey.generate()
    assert key.secret.hex() not in repr(key)
    assert repr(key.secret) not in repr(key)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_id": ""}, ValueError),
        ({"record_id": 7}, TypeError),
        ({"version": -1}, ValueError),
        ({"version": 2**64}, ValueError),
        ({"version": True}, TypeError),
        ({"scope": "billing"}, ValueError),
        ({"field": "\ud800"}, ValueError),
    ],
)
def test_a_bad_context_is_refused_when_built(change: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        dataclasses.replace(CONTEXT, **change)  # type: ignore[arg-type]


def test_a_scope_given_as_text_is_coerced() -> None:
    context = dataclasses.replace(CONTEXT, scope="admin")  # type: ignore[arg-type]
    assert context.scope is Scope.ADMIN
