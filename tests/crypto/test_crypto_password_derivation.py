"""`derive_password` and algorithm-2 password wraps (ADR 0022)."""

from __future__ import annotations

import pytest

from confide import crypto
from confide.crypto import wraps

WEAK = crypto.KdfParams.unsafe_for_tests()


def test_one_argon2id_gives_two_independent_keys() -> None:
    derivation = crypto.derive_password("quiet harbour lantern", params=WEAK)
    raw = wraps._argon2id("quiet harbour lantern", derivation.salt, WEAK)
    assert len(derivation.verifier) == len(derivation.key_encryption_key) == 32
    assert len({derivation.verifier, derivation.key_encryption_key, raw}) == 3
    assert repr(derivation.verifier) not in repr(derivation)
    assert repr(derivation.key_encryption_key) not in repr(derivation)
    again = crypto.derive_password("quiet harbour lantern", salt=derivation.salt, params=WEAK)
    assert again.verifier == derivation.verifier and again.key_encryption_key == derivation.key_encryption_key
    other = crypto.derive_password("quiet harbour lantern", params=WEAK)
    assert other.salt != derivation.salt and other.verifier != derivation.verifier


def test_derivations_are_kept_only_inside_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = wraps.hash_secret_raw
    monkeypatch.setattr(wraps, "hash_secret_raw", lambda *a, **k: calls.append(1) or real(*a, **k))
    salt = b"s" * 16
    crypto.derive_password("quiet harbour lantern", salt=salt, params=WEAK)
    crypto.derive_password("quiet harbour lantern", salt=salt, params=WEAK)
    assert len(calls) == 2, "nothing is kept outside a block"
    with crypto.password_derivations():
        first = crypto.derive_password("quiet harbour lantern", salt=salt, params=WEAK)
        assert crypto.derive_password("quiet harbour lantern", salt=salt, params=WEAK) is first
        assert len(calls) == 3
        crypto.derive_password("quiet harbour lantern!", salt=salt, params=WEAK)
        crypto.derive_password("quiet harbour lantern", salt=b"t" * 16, params=WEAK)
        assert len(calls) == 5, "another password or salt is another computation"
    crypto.derive_password("quiet harbour lantern", salt=salt, params=WEAK)
    assert len(calls) == 6


def test_a_derived_wrap_opens_with_the_password_only() -> None:
    private = crypto.generate_user_keypair()
    derivation = crypto.derive_password("quiet harbour lantern", params=WEAK)
    blob = crypto.wrap_private_key_with_derivation(private, derivation, owner_id="7")
    assert crypto.password_wrap_salt(blob) == (2, derivation.salt, WEAK)
    opened = crypto.unwrap_private_key_with_password(blob, "quiet harbour lantern", owner_id="7")
    assert opened.public_key().key_id == private.public_key().key_id
    with pytest.raises(crypto.WrongPasswordError):
        crypto.unwrap_private_key_with_password(blob, "quiet harbour lantern!", owner_id="7")
    with pytest.raises(crypto.WrongPasswordError):
        crypto.unwrap_private_key_with_password(blob, "quiet harbour lantern", owner_id="8")
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(crypto.WrongPasswordError):
        crypto.unwrap_private_key_with_password(bytes(tampered), "quiet harbour lantern", owner_id="7")
    # An algorithm-2 wrap relabelled as algorithm 1 does not open (the labels differ).
    relabelled = bytearray(blob)
    relabelled[4] = 1
    with pytest.raises(crypto.WrongPasswordError):
        crypto.unwrap_private_key_with_password(bytes(relabelled), "quiet harbour lantern", owner_id="7")


def test_algorithm_one_wraps_still_open() -> None:
    private = crypto.generate_user_keypair()
    blob = crypto.wrap_private_key_with_password(private, "quiet harbour lantern", owner_id="7", params=WEAK)
    assert crypto.password_wrap_salt(blob)[0] == 1
    assert crypto.unwrap_private_key_with_password(blob, "quiet harbour lantern", owner_id="7")


def test_bad_salts_are_refused() -> None:
    with pytest.raises(ValueError, match="salt"):
        crypto.derive_password("quiet harbour lantern", salt=b"short", params=WEAK)
    with pytest.raises(ValueError):
        crypto.derive_password("", params=WEAK)
