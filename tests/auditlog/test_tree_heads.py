"""Signed tree heads: signing, verifying, the text form and key helpers."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.auditlog import (
    AuditFormatError,
    SignatureError,
    SignedTreeHead,
    generate_signing_key,
    key_id,
    public_key_from_bytes,
    public_key_from_text,
    public_key_to_bytes,
    public_key_to_text,
    sign_tree_head,
    signing_key_from_bytes,
    unsafe_signing_key_to_bytes,
    verify_tree_head,
)
from confide.auditlog.heads import HEAD_CONTEXT, tree_head_message

# RFC 8032 §7.1, TEST 1: a fixed key makes the signature below a known answer
# (Ed25519 signatures are deterministic).
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")

ALICE_KEY = signing_key_from_bytes(RFC8032_SECRET)
CHARLIE_KEY = generate_signing_key()
ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
WHEN = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def test_the_key_matches_the_rfc_8032_test_vector() -> None:
    public = ALICE_KEY.public_key()
    assert public_key_to_bytes(public) == RFC8032_PUBLIC
    assert ALICE_KEY.sign(b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )


def test_the_key_id_is_sha256_of_the_raw_public_key() -> None:
    assert key_id(ALICE_KEY.public_key()) == hashlib.sha256(RFC8032_PUBLIC).digest()


def test_the_signed_message_is_the_documented_layout() -> None:
    message = tree_head_message(8, WHEN, ROOT)
    assert message == (
        b"confide/audit-log/tree-head/v1\x00"
        + (8).to_bytes(8, "big")
        + (1740821400000000).to_bytes(8, "big")
        + ROOT
    )
    assert message.startswith(HEAD_CONTEXT)


def test_a_signed_head_verifies_with_its_key() -> None:
    head = sign_tree_head(ALICE_KEY, 8, ROOT, WHEN)
    verify_tree_head(ALICE_KEY.public_key(), head)
    assert head.key_id == key_id(ALICE_KEY.public_key())


def test_a_head_signed_by_another_key_fails() -> None:
    head = sign_tree_head(CHARLIE_KEY, 8, ROOT, WHEN)
    with pytest.raises(SignatureError, match="names key"):
        verify_tree_head(ALICE_KEY.public_key(), head)


def test_a_head_with_a_forged_key_id_fails() -> None:
    head = sign_tree_head(CHARLIE_KEY, 8, ROOT, WHEN)
    forged = replace(head, key_id=key_id(ALICE_KEY.public_key()))
    with pytest.raises(SignatureError, match="not valid"):
        verify_tree_head(ALICE_KEY.public_key(), forged)


@pytest.mark.parametrize(
    "change",
    [
        {"size": 9},
        {"root_hash": bytes(32)},
        {"timestamp": datetime(2025, 3, 1, 9, 30, 0, 1, tzinfo=UTC)},
        {"signature": bytes(64)},
    ],
)
def test_changing_any_signed_field_breaks_the_signature(change: dict[str, object]) -> None:
    head = replace(sign_tree_head(ALICE_KEY, 8, ROOT, WHEN), **change)  # type: ignore[arg-type]
    with pytest.raises(SignatureError):
        verify_tree_head(ALICE_KEY.public_key(), head)


def test_the_text_form_round_trips_and_reads_well() -> None:
    head = sign_tree_head(ALICE_KEY, 8, ROOT, WHEN)
    text = head.to_text()
    assert text.splitlines()[:4] == [
        "confide audit tree head v1",
        "size: 8",
        "timestamp: 2025-03-01T09:30:00.000000Z",
        f"root: {base64.b64encode(ROOT).decode()}",
    ]
    assert SignedTreeHead.from_text(text) == head
    assert SignedTreeHead.from_text(text.rstrip("\n")) == head
    verify_tree_head(ALICE_KEY.public_key(), SignedTreeHead.from_text(text))


def _text_with(line_number: int, new_line: str) -> str:
    lines = sign_tree_head(ALICE_KEY, 8, ROOT, WHEN).to_text().splitlines()
    lines[line_number] = new_line
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must start with"),
        ("confide audit tree head v2\n", "must start with"),
        (_text_with(1, "size: 08"), "leading zeros"),
        (_text_with(1, "size: -8"), "decimal"),
        (_text_with(1, "sizes: 8"), "line 2 must be 'size"),
        (_text_with(2, "timestamp: 2025-03-01T09:30:00Z"), "timestamp must look like"),
        (_text_with(2, "timestamp: 2025-02-30T09:30:00.000000Z"), "not a valid date"),
        (_text_with(3, "root: not base64!"), "root is not valid base64"),
        (_text_with(3, "root: " + base64.b64encode(b"short").decode()), "32 bytes"),
        (_text_with(5, "signature: " + base64.b64encode(bytes(63)).decode()), "64 bytes"),
        (sign_tree_head(ALICE_KEY, 8, ROOT, WHEN).to_text() + "extra: line\n", "this one has 7"),
    ],
)
def test_a_malformed_head_file_is_rejected_precisely(text: str, message: str) -> None:
    with pytest.raises(AuditFormatError, match=message):
        SignedTreeHead.from_text(text)


def test_non_canonical_base64_is_rejected() -> None:
    # The last character of a 32-byte base64 value carries two unused bits.
    good = base64.b64encode(ROOT).decode()
    sloppy = good[:-2] + chr(ord(good[-2]) + 1) + "="
    with pytest.raises(AuditFormatError, match="canonical"):
        SignedTreeHead.from_text(_text_with(3, "root: " + sloppy))


def test_a_head_needs_an_aware_timestamp_after_1970_and_a_sane_size() -> None:
    with pytest.raises(AuditFormatError, match="timezone-aware"):
        sign_tree_head(ALICE_KEY, 8, ROOT, datetime(2025, 3, 1))
    with pytest.raises(AuditFormatError, match="1970"):
        sign_tree_head(ALICE_KEY, 8, ROOT, datetime(1969, 12, 31, tzinfo=UTC))
    with pytest.raises(AuditFormatError, match="size"):
        sign_tree_head(ALICE_KEY, -1, ROOT, WHEN)
    with pytest.raises(AuditFormatError, match="root"):
        sign_tree_head(ALICE_KEY, 8, ROOT[:31], WHEN)


@given(
    st.integers(min_value=0, max_value=2**64 - 1),
    st.binary(min_size=32, max_size=32),
    st.datetimes(min_value=datetime(1970, 1, 1), timezones=st.just(UTC)),
)
def test_every_head_round_trips_through_text(size: int, root: bytes, when: datetime) -> None:
    head = sign_tree_head(ALICE_KEY, size, root, when)
    parsed = SignedTreeHead.from_text(head.to_text())
    assert parsed == head
    verify_tree_head(ALICE_KEY.public_key(), parsed)


def test_keys_round_trip_through_bytes_and_text() -> None:
    key = generate_signing_key()
    restored = signing_key_from_bytes(unsafe_signing_key_to_bytes(key))
    assert public_key_to_bytes(restored.public_key()) == public_key_to_bytes(key.public_key())
    public = key.public_key()
    assert public_key_from_bytes(public_key_to_bytes(public)) == public
    text = public_key_to_text(public)
    assert text.startswith("ed25519:")
    assert public_key_from_text(text) == public


def test_malformed_keys_are_rejected() -> None:
    with pytest.raises(AuditFormatError, match="32 bytes"):
        signing_key_from_bytes(b"short")
    with pytest.raises(AuditFormatError, match="32 bytes"):
        public_key_from_bytes(bytes(31))
    with pytest.raises(AuditFormatError, match="must start with"):
        public_key_from_text("x25519:AAAA")
