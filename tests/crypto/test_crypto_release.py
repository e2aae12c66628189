"""Release-link keys: derived from the link's token only, and a packet key sealed under them opens only with it."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide import crypto

CONTEXT = crypto.SealContext(practice_id="1", client_id="c", record_type="release-link", record_id="r",
                             field="packet-key", version=1, scope=crypto.Scope.CLINICAL)


def test_the_link_key_is_hkdf_sha256_of_the_token_with_its_own_label() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    token = bytes(range(32))
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"confide/release-link/v1").derive(token)
    key = crypto.link_key_from_token(token)
    assert key.secret == expected
    assert key.key_id == hashlib.sha256(b"confide/release-link/v1\0id\0" + expected).digest()[:16]
    assert crypto.link_key_from_token(token) == key


def test_short_tokens_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        crypto.link_key_from_token(b"x" * 31)


@settings(max_examples=25, deadline=None)
@given(token=st.binary(min_size=32, max_size=64), other=st.binary(min_size=32, max_size=64))
def test_a_packet_key_opens_only_with_its_token(token: bytes, other: bytes) -> None:
    packet_key = crypto.ScopeKey.generate()
    blob = crypto.seal_packet_key(crypto.link_key_from_token(token), packet_key, CONTEXT)
    assert crypto.open_packet_key(crypto.link_key_from_token(token), blob, CONTEXT) == packet_key
    if other != token:
        with pytest.raises(crypto.WrongKeyError):
            crypto.open_packet_key(crypto.link_key_from_token(other), blob, CONTEXT)


def test_a_packet_key_moved_to_another_link_fails() -> None:
    token = b"t" * 32
    blob = crypto.seal_packet_key(crypto.link_key_from_token(token), crypto.ScopeKey.generate(), CONTEXT)
    moved = crypto.SealContext(practice_id="1", client_id="c", record_type="release-link", record_id="other",
                               field="packet-key", version=1, scope=crypto.Scope.CLINICAL)
    with pytest.raises(crypto.IntegrityError):
        crypto.open_packet_key(crypto.link_key_from_token(token), blob, moved)
