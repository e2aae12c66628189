"""Audit events and their canonical byte encoding.

An audit event records one access: who (an opaque actor id) did what (a typed
tag such as ``record:note:read``), when, why (a purpose-of-use code), to whose
record (an opaque client id, if any) and with which outcome. Anything more
revealing travels in ``sealed_detail``, which the app layer encrypts before it
reaches this package; here it is only opaque bytes.

The encoding is the exact byte string that becomes a Merkle-tree leaf, so it
must be deterministic and unambiguous: every event has exactly one encoding and
every encoding decodes to exactly one event. It is a version marker followed by
length-prefixed fields in a fixed order::

    magic   b"CFAE"                      (4 bytes: Confide audit entry)
    version 0x01                         (1 byte)
    tag           u16 length + ASCII
    occurred_at   i64 microseconds since the Unix epoch, UTC
    actor_id      u16 length + ASCII
    purpose       u16 length + ASCII
    outcome       u16 length + ASCII
    client_id     0x00, or 0x01 + u16 length + ASCII
    sealed_detail 0x00, or 0x01 + u32 length + bytes

Version 0x02 (issue 22, docs/adr/0014b-complete-histories.md) is the same followed, for an
entry about a client, by that client's *link*, assigned when the entry is placed in the log::

    client_seq    u64  how many entries about this client precede this one
    client_prev   u64  0 when there is none, else the position of the previous one + 1

so the history of a client can be walked from its newest entry and a missing entry shows as a
broken link. Writers encode version 0x01; the sequencer re-encodes with the link.

All integers are big-endian. Text fields are restricted to printable ASCII so
that no Unicode normalisation question can make two encodings of "the same"
string.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from confide.auditlog.errors import AuditFormatError

__all__ = [
    "ENTRY_MAGIC",
    "ENTRY_VERSION",
    "MAX_SEALED_DETAIL",
    "AuditEvent",
    "ClientLink",
    "Outcome",
    "PurposeOfUse",
    "decode_entry",
    "decode_linked_entry",
    "encode_entry",
    "link_entry",
]

ENTRY_MAGIC = b"CFAE"
ENTRY_VERSION = 1
LINKED_ENTRY_VERSION = 2
_U64 = struct.Struct(">Q")
MAX_SEALED_DETAIL = 1 << 20

_TAG_RE = re.compile(r"[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,31}")
_OPAQUE_ID_RE = re.compile(r"[\x21-\x7e]{1,128}")
_PURPOSE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_I64 = struct.Struct(">q")


class Outcome(StrEnum):
    """How the audited action ended."""

    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


class PurposeOfUse(StrEnum):
    """Common purpose-of-use codes (HL7 v3 PurposeOfUse); other codes are allowed."""

    TREATMENT = "TREAT"
    EMERGENCY_TREATMENT = "ETREAT"
    PAYMENT = "HPAYMT"
    OPERATIONS = "HOPERAT"
    PATIENT_REQUEST = "PATRQT"
    LEGAL = "HLEGAL"
    PUBLIC_HEALTH = "PUBHLTH"
    SYSTEM_ADMINISTRATION = "SYSADMIN"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One access to be written to the audit log.

    ``occurred_at`` must be timezone-aware; it is normalised to UTC and kept to
    the microsecond, which is the precision of the encoding.
    """

    tag: str
    occurred_at: datetime
    actor_id: str
    purpose: str
    outcome: Outcome
    client_id: str | None = None
    sealed_detail: bytes | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.tag, str) or not _TAG_RE.fullmatch(self.tag):
            raise AuditFormatError(
                f"tag {self.tag!r} is not of the form <scope>:<resource>:<action> "
                "(lower-case letters, digits and underscores, each part at most 32 long)"
            )
        if not isinstance(self.occurred_at, datetime):
            raise AuditFormatError("occurred_at must be a datetime")
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise AuditFormatError("occurred_at must be timezone-aware")
        try:
            object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))
        except OverflowError:
            raise AuditFormatError("occurred_at is out of range once converted to UTC") from None
        _check_opaque_id("actor_id", self.actor_id)
        if not isinstance(self.purpose, str) or not _PURPOSE_RE.fullmatch(self.purpose):
            raise AuditFormatError(
                f"purpose {self.purpose!r} is not a purpose-of-use code "
                "(letters, digits, '_', '.', '-', at most 64 long)"
            )
        try:
            object.__setattr__(self, "outcome", Outcome(self.outcome))
        except ValueError:
            raise AuditFormatError(
                f"outcome {self.outcome!r} is not one of {', '.join(Outcome)}"
            ) from None
        if self.client_id is not None:
            _check_opaque_id("client_id", self.client_id)
        if self.sealed_detail is not None:
            if not isinstance(self.sealed_detail, bytes):
                raise AuditFormatError("sealed_detail must be bytes or None")
            if len(self.sealed_detail) > MAX_SEALED_DETAIL:
                raise AuditFormatError(
                    f"sealed_detail is {len(self.sealed_detail)} bytes; "
                    f"the limit is {MAX_SEALED_DETAIL}"
                )

    @property
    def occurred_at_us(self) -> int:
        """The event time as whole microseconds since the Unix epoch (UTC)."""
        return (self.occurred_at - _EPOCH) // timedelta(microseconds=1)

    @classmethod
    def at_microseconds(
        cls,
        tag: str,
        occurred_at_us: int,
        actor_id: str,
        purpose: str,
        outcome: Outcome | str,
        client_id: str | None = None,
        sealed_detail: bytes | None = None,
    ) -> AuditEvent:
        """Build an event whose time is given as microseconds since the Unix epoch."""
        try:
            when = _EPOCH + timedelta(microseconds=occurred_at_us)
        except OverflowError:
            raise AuditFormatError(f"time {occurred_at_us} µs is out of range") from None
        return cls(tag, when, actor_id, purpose, _outcome(outcome), client_id, sealed_detail)


def _outcome(value: Outcome | str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise AuditFormatError(f"outcome {value!r} is not one of {', '.join(Outcome)}") from None


def _check_opaque_id(name: str, value: object) -> None:
    if not isinstance(value, str) or not _OPAQUE_ID_RE.fullmatch(value):
        raise AuditFormatError(f"{name} must be 1 to 128 printable ASCII characters without spaces")


def _text(value: str) -> bytes:
    raw = value.encode("ascii")
    return _U16.pack(len(raw)) + raw


@dataclass(frozen=True, slots=True)
class ClientLink:
    """An entry's place in its client's history: how many came before, and where the last one is."""

    seq: int
    previous: int | None

    def __post_init__(self) -> None:
        if not 0 <= self.seq < (1 << 63):
            raise AuditFormatError("a client sequence number must be between 0 and 2^63 - 1")
        if self.previous is not None and not 0 <= self.previous < (1 << 63):
            raise AuditFormatError("a previous position must be between 0 and 2^63 - 1")
        if (self.seq == 0) != (self.previous is None):
            raise AuditFormatError("only a client's first entry has no previous position")


def encode_entry(event: AuditEvent, link: ClientLink | None = None) -> bytes:
    """Return the canonical byte encoding of ``event`` (the Merkle leaf input).

    With ``link`` (only for an event about a client) the entry is version 2 and carries it.
    """
    if link is not None and event.client_id is None:
        raise AuditFormatError("only an entry about a client carries a client link")
    parts = [
        ENTRY_MAGIC,
        bytes([ENTRY_VERSION if link is None else LINKED_ENTRY_VERSION]),
        _text(event.tag),
        _I64.pack(event.occurred_at_us),
        _text(event.actor_id),
        _text(event.purpose),
        _text(event.outcome.value),
    ]
    if event.client_id is None:
        parts.append(b"\x00")
    else:
        parts += [b"\x01", _text(event.client_id)]
    if event.sealed_detail is None:
        parts.append(b"\x00")
    else:
        parts += [b"\x01", _U32.pack(len(event.sealed_detail)), event.sealed_detail]
    if link is not None:
        parts += [_U64.pack(link.seq), _U64.pack(0 if link.previous is None else link.previous + 1)]
    return b"".join(parts)


def link_entry(entry: bytes, link: ClientLink) -> bytes:
    """Re-encode a version 1 entry about a client with its link (what the sequencer does)."""
    event, existing = decode_linked_entry(entry)
    if existing is not None:
        raise AuditFormatError("the entry already carries a client link")
    return encode_entry(event, link)


class _Reader:
    """A cursor over an encoded entry that names the field it fails on."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def take(self, count: int, field: str) -> bytes:
        end = self.offset + count
        if end > len(self.data):
            raise AuditFormatError(f"entry is truncated in field {field} at byte {self.offset}")
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def text(self, field: str) -> str:
        (length,) = _U16.unpack(self.take(2, field))
        raw = self.take(length, field)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise AuditFormatError(f"field {field} is not ASCII") from None

    def flag(self, field: str) -> bool:
        marker = self.take(1, field)[0]
        if marker not in (0, 1):
            raise AuditFormatError(f"field {field} has presence byte {marker}; expected 0 or 1")
        return marker == 1


def decode_entry(data: bytes) -> AuditEvent:
    """Decode a canonical entry (version 1 or 2), raising ``AuditFormatError`` for anything else."""
    return decode_linked_entry(data)[0]


def decode_linked_entry(data: bytes) -> tuple[AuditEvent, ClientLink | None]:
    """Decode an entry and its client link (``None`` for version 1 entries)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise AuditFormatError("an encoded entry must be bytes")
    reader = _Reader(bytes(data))
    if reader.take(len(ENTRY_MAGIC), "magic") != ENTRY_MAGIC:
        raise AuditFormatError("entry does not start with the Confide audit entry marker")
    version = reader.take(1, "version")[0]
    if version not in (ENTRY_VERSION, LINKED_ENTRY_VERSION):
        raise AuditFormatError(f"entry version {version} is not supported")
    tag = reader.text("tag")
    (micros,) = _I64.unpack(reader.take(8, "occurred_at"))
    actor_id = reader.text("actor_id")
    purpose = reader.text("purpose")
    outcome = reader.text("outcome")
    client_id = reader.text("client_id") if reader.flag("client_id") else None
    sealed_detail: bytes | None = None
    if reader.flag("sealed_detail"):
        (length,) = _U32.unpack(reader.take(4, "sealed_detail"))
        if length > MAX_SEALED_DETAIL:
            raise AuditFormatError(f"sealed_detail length {length} exceeds {MAX_SEALED_DETAIL}")
        sealed_detail = reader.take(length, "sealed_detail")
    link: ClientLink | None = None
    if version == LINKED_ENTRY_VERSION:
        if client_id is None:
            raise AuditFormatError("a version 2 entry must be about a client")
        (seq,) = _U64.unpack(reader.take(8, "client_seq"))
        (previous,) = _U64.unpack(reader.take(8, "client_prev"))
        link = ClientLink(seq, None if previous == 0 else previous - 1)
    if reader.offset != len(reader.data):
        raise AuditFormatError(
            f"entry has {len(reader.data) - reader.offset} unexpected trailing bytes"
        )
    event = AuditEvent.at_microseconds(tag, micros, actor_id, purpose, outcome, client_id, sealed_detail)
    return event, link
