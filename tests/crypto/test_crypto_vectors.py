"""Stored vectors that must keep opening.

``vectors.json`` holds blobs of every kind produced by format version 1.
Records sealed today must open in twenty years, so these vectors are never
regenerated: a failing test here means a change broke stored data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from confide.crypto import (
    KeySuite,
    ScopeKey,
    SealContext,
    SecretPurpose,
    WrapContext,
    fingerprint,
    load_public_key,
    open_field,
    open_recovery_private_key,
    serialize_public_key,
    unsafe_load_private_key,
    unsafe_serialize_private_key,
    unwrap_key,
    unwrap_private_key_from,
    unwrap_private_key_with_password,
    unwrap_private_key_with_secret,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors.json").read_text(encoding="utf-8")
)


def test_the_stored_sealed_field_still_opens() -> None:
    vector = VECTORS["sealed_field"]
    key = ScopeKey(bytes.fromhex(vector["key_id"]), bytes.fromhex(vector["key"]))
    context = SealContext(**vector["context"])
    assert open_field(key, bytes.fromhex(vector["blob"]), context) == bytes.fromhex(
        vector["plaintext"]
    )


@pytest.mark.parametrize("suite", list(KeySuite))
def test_the_stored_scope_key_wraps_still_open(suite: KeySuite) -> None:
    vector = VECTORS[f"scope_key_wrap_{suite.name.lower()}"]
    private_key = unsafe_load_private_key(bytes.fromhex(vector["private_key"]))
    assert private_key.suite is suite
    public_key = load_public_key(bytes.fromhex(vector["public_key"]))
    assert private_key.public_key() == public_key
    assert fingerprint(public_key) == vector["fingerprint"]
    key = unwrap_key(private_key, bytes.fromhex(vector["blob"]), WrapContext(**vector["context"]))
    assert key == ScopeKey(bytes.fromhex(vector["key_id"]), bytes.fromhex(vector["key"]))
    inner = unwrap_private_key_from(
        private_key,
        bytes.fromhex(vector["private_key_wrap"]),
        owner_id=vector["private_key_wrap_owner"],
    )
    assert unsafe_serialize_private_key(inner).hex() == vector["wrapped_private_key"]


def test_the_stored_password_wrap_still_opens() -> None:
    vector = VECTORS["private_key_wraps"]
    private_key = unwrap_private_key_with_password(
        bytes.fromhex(vector["password_blob"]), vector["password"], owner_id=vector["owner_id"]
    )
    assert unsafe_serialize_private_key(private_key).hex() == vector["private_key"]


def test_the_stored_secret_wrap_still_opens() -> None:
    vector = VECTORS["private_key_wraps"]
    private_key = unwrap_private_key_with_secret(
        bytes.fromhex(vector["secret_blob"]),
        bytes.fromhex(vector["secret"]),
        purpose=SecretPurpose(vector["purpose"]),
        owner_id=vector["owner_id"],
    )
    assert unsafe_serialize_private_key(private_key).hex() == vector["private_key"]


def test_the_stored_recovery_kit_still_opens_with_any_three_shares() -> None:
    vector = VECTORS["recovery_kit"]
    shares = vector["shares"]
    blob = bytes.fromhex(vector["encrypted_private_key"])
    for chosen in ([0, 1, 2], [2, 3, 4], [4, 0, 2]):
        private_key = open_recovery_private_key(blob, [shares[i] for i in chosen])
        assert unsafe_serialize_private_key(private_key).hex() == vector["private_key"]
        assert serialize_public_key(private_key.public_key()).hex() == vector["public_key"]
