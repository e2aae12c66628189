"""Audit events: validation and the canonical entry encoding."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.auditlog import (
    AuditEvent,
    AuditFormatError,
    Outcome,
    PurposeOfUse,
    decode_entry,
    encode_entry,
)
from confide.auditlog.events import MAX_SEALED_DETAIL

# bob, a clinician, reads a progress note in the record of one of his clients.
BOB_READS_A_NOTE = AuditEvent(
    tag="record:note:read",
    occurred_at=datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=UTC),
    actor_id="usr_bob",
    purpose=PurposeOfUse.TREATMENT,
    outcome=Outcome.SUCCESS,
    client_id="cli_7Hq2",
    sealed_detail=b"\x01ciphertext",
)

# The exact encoding, written out field by field, so that a change to the
# format cannot slip through as a "round trip still works".
BOB_READS_A_NOTE_BYTES = (
    b"CFAE\x01"
    + b"\x00\x10record:note:read"
    + struct.pack(">q", 1740821400123456)
    + b"\x00\x07usr_bob"
    + b"\x00\x05TREAT"
    + b"\x00\x07success"
    + b"\x01\x00\x08cli_7Hq2"
    + b"\x01\x00\x00\x00\x0b\x01ciphertext"
)


def test_it_encodes_an_event_to_the_documented_bytes() -> None:
    assert encode_entry(BOB_READS_A_NOTE) == BOB_READS_A_NOTE_BYTES


def test_it_decodes_the_documented_bytes() -> None:
    assert decode_entry(BOB_READS_A_NOTE_BYTES) == BOB_READS_A_NOTE


def test_a_failed_sign_in_needs_no_client_or_detail() -> None:
    event = AuditEvent(
        tag="auth:signin:failed",
        occurred_at=datetime(2025, 3, 1, tzinfo=UTC),
        actor_id="usr_charlie",
        purpose=PurposeOfUse.SYSTEM_ADMINISTRATION,
        outcome=Outcome.FAILURE,
    )
    encoded = encode_entry(event)
    assert encoded.endswith(b"\x00\x00")
    assert decode_entry(encoded) == event


def test_it_normalises_the_time_to_utc() -> None:
    helsinki = timezone(timedelta(hours=2))
    event = AuditEvent(
        "access:breakglass:opened",
        datetime(2025, 3, 1, 11, 30, tzinfo=helsinki),
        "usr_alice",
        PurposeOfUse.EMERGENCY_TREATMENT,
        Outcome.SUCCESS,
        client_id="cli_7Hq2",
    )
    assert event.occurred_at == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert event.occurred_at.tzinfo is UTC
    assert event.occurred_at_us == 1740821400000000


def test_it_builds_an_event_from_microseconds() -> None:
    event = AuditEvent.at_microseconds(
        "record:note:read",
        1740821400123456,
        "usr_bob",
        "TREAT",
        "success",
        "cli_7Hq2",
        b"\x01ciphertext",
    )
    assert event == BOB_READS_A_NOTE


@pytest.mark.parametrize(
    "tag",
    [
        "record:note",
        "Record:note:read",
        "record:note:read:again",
        "record::read",
        "a:b:c d",
        "record:note:réad",
        "",
        "x" * 33 + ":a:b",
    ],
)
def test_it_rejects_a_malformed_tag(tag: str) -> None:
    with pytest.raises(AuditFormatError, match="tag"):
        AuditEvent(tag, BOB_READS_A_NOTE.occurred_at, "usr_bob", "TREAT", Outcome.SUCCESS)


def test_it_rejects_a_naive_time() -> None:
    with pytest.raises(AuditFormatError, match="timezone-aware"):
        AuditEvent("record:note:read", datetime(2025, 3, 1), "usr_bob", "TREAT", Outcome.SUCCESS)


@pytest.mark.parametrize("actor_id", ["", "has space", "x" * 129, "bøb"])
def test_it_rejects_an_actor_id_that_is_not_opaque_ascii(actor_id: str) -> None:
    with pytest.raises(AuditFormatError, match="actor_id"):
        AuditEvent(
            "record:note:read", BOB_READS_A_NOTE.occurred_at, actor_id, "TREAT", Outcome.SUCCESS
        )


def test_it_rejects_a_bad_client_id_purpose_and_outcome() -> None:
    when = BOB_READS_A_NOTE.occurred_at
    with pytest.raises(AuditFormatError, match="client_id"):
        AuditEvent("record:note:read", when, "usr_bob", "TREAT", Outcome.SUCCESS, client_id="")
    with pytest.raises(AuditFormatError, match="purpose"):
        AuditEvent("record:note:read", when, "usr_bob", "to treat", Outcome.SUCCESS)
    with pytest.raises(AuditFormatError, match="outcome"):
        AuditEvent("record:note:read", when, "usr_bob", "TREAT", "maybe")  # type: ignore[arg-type]


def test_it_rejects_sealed_detail_that_is_too_big_or_not_bytes() -> None:
    when = BOB_READS_A_NOTE.occurred_at
    with pytest.raises(AuditFormatError, match="sealed_detail"):
        AuditEvent(
            "record:note:read",
            when,
            "usr_bob",
            "TREAT",
            Outcome.SUCCESS,
            sealed_detail=b"x" * (MAX_SEALED_DETAIL + 1),
        )
    with pytest.raises(AuditFormatError, match="sealed_detail"):
        AuditEvent(
            "record:note:read",
            when,
            "usr_bob",
            "TREAT",
            Outcome.SUCCESS,
            sealed_detail="plaintext",  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated in field magic"),
        (b"XXXX\x01", "marker"),
        (b"CFAE\x03", "version 3"),
        (BOB_READS_A_NOTE_BYTES[:-1], "truncated in field sealed_detail"),
        (BOB_READS_A_NOTE_BYTES + b"\x00", "trailing"),
        (BOB_READS_A_NOTE_BYTES[:26], "truncated in field occurred_at"),
        (BOB_READS_A_NOTE_BYTES.replace(b"\x01\x00\x08cli", b"\x02\x00\x08cli"), "presence byte 2"),
        (BOB_READS_A_NOTE_BYTES.replace(b"usr_bob", b"usr_b\xffb"), "actor_id is not ASCII"),
        (BOB_READS_A_NOTE_BYTES.replace(b"success", b"SUCCESS"), "outcome"),
        (BOB_READS_A_NOTE_BYTES.replace(b"record:note:read", b"record:note:rea!"), "tag"),
    ],
)
def test_it_rejects_malformed_entries_precisely(data: bytes, message: str) -> None:
    with pytest.raises(AuditFormatError, match=message):
        decode_entry(data)


def test_it_rejects_a_time_out_of_range() -> None:
    data = bytearray(BOB_READS_A_NOTE_BYTES)
    data[23:31] = struct.pack(">q", 2**63 - 1)
    with pytest.raises(AuditFormatError, match="out of range"):
        decode_entry(bytes(data))


tags = st.from_regex(
    r"[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,31}", fullmatch=True
)
opaque_ids = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=128
)
events = st.builds(
    AuditEvent,
    tag=tags,
    occurred_at=st.datetimes(timezones=st.just(UTC)),
    actor_id=opaque_ids,
    purpose=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", fullmatch=True),
    outcome=st.sampled_from(Outcome),
    client_id=st.none() | opaque_ids,
    sealed_detail=st.none() | st.binary(max_size=200),
)


@given(events)
def test_every_event_round_trips(event: AuditEvent) -> None:
    assert decode_entry(encode_entry(event)) == event


@given(events, events)
def test_different_events_have_different_encodings(first: AuditEvent, second: AuditEvent) -> None:
    if first != second:
        assert encode_entry(first) != encode_entry(second)


@given(st.binary(max_size=120))
def test_decoding_arbitrary_bytes_raises_only_the_format_error_or_round_trips(data: bytes) -> None:
    try:
        event = decode_entry(data)
    except AuditFormatError:
        return
    assert encode_entry(event) == data


@given(events, st.data())
def test_every_truncation_of_an_entry_is_rejected(event: AuditEvent, data: st.DataObject) -> None:
    encoded = encode_entry(event)
    cut = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    with pytest.raises(AuditFormatError):
        decode_entry(encoded[:cut])
