"""Signed tree heads and the Ed25519 key that signs them.

A signed tree head commits to the whole log at one size: (tree size,
timestamp, root hash), signed with the practice's log-signing key. The signed
message is a fixed binary layout behind a context label, so this key's
signatures can never be mistaken for signatures over anything else::

    b"confide/audit-log/tree-head/v1\\x00"   context label and version
    u64  tree size
    u64  timestamp, microseconds since the Unix epoch (UTC)
    32   root hash

The text form is meant for saving to a file and handing to
``confide audit verify --against HEAD_FILE``::

    confide audit tree head v1
    size: 1000000
    timestamp: 2025-03-01T09:30:00.000000Z
    root: <base64 of 32 bytes>
    key-id: <base64 of SHA-256 of the raw public key>
    signature: <base64 of 64 bytes>

Since issue 22 new heads are C2SP checkpoints (``origin`` set): the signature covers the
checkpoint's note text ``<origin>\\n<size>\\n<base64 root>\\n`` (see ``confide.auditlog.notes``)
and the text form is the signed note. Such a head's timestamp is when it was signed, as stored,
but it is not covered by the signature (C2SP checkpoints carry no time; a witness's cosignature
does). Heads with ``origin=None`` are the v1 heads above and verify as before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from confide.auditlog.errors import AuditFormatError, SignatureError
from confide.auditlog.merkle import HASH_SIZE
from confide.auditlog.notes import (
    ALG_ED25519,
    Checkpoint,
    NoteSignature,
    NoteVerifier,
    checkpoint_note,
    note_key_hash,
    parse_checkpoint,
)

__all__ = [
    "HEAD_CONTEXT",
    "HEAD_TEXT_HEADER",
    "SignedTreeHead",
    "checkpoint_verifier",
    "generate_signing_key",
    "key_id",
    "public_key_from_bytes",
    "public_key_from_text",
    "public_key_to_bytes",
    "public_key_to_text",
    "sign_tree_head",
    "signing_key_from_bytes",
    "tree_head_message",
    "unsafe_signing_key_to_bytes",
    "verify_tree_head",
]

HEAD_CONTEXT = b"confide/audit-log/tree-head/v1\x00"
HEAD_TEXT_HEADER = "confide audit tree head v1"
_PUBLIC_KEY_PREFIX = "ed25519:"
_SIGNATURE_SIZE = 64
_KEY_SIZE = 32
_MAX_SIZE = (1 << 64) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_HEAD_STRUCT = struct.Struct(">QQ")


def _micros(timestamp: datetime) -> int:
    if timestamp.tzinfo is None or timestamp.utcoffset() is None:
        raise AuditFormatError("a tree head timestamp must be timezone-aware")
    micros = (timestamp - _EPOCH) // timedelta(microseconds=1)
    if micros < 0:
        raise AuditFormatError("a tree head timestamp must not be before 1970")
    return micros


def tree_head_message(size: int, timestamp: datetime, root_hash: bytes) -> bytes:
    """Return the exact bytes that a tree head signature covers."""
    if not 0 <= size <= _MAX_SIZE:
        raise AuditFormatError(f"tree size {size} is out of range")
    if not isinstance(root_hash, bytes) or len(root_hash) != HASH_SIZE:
        raise AuditFormatError(f"a root hash must be {HASH_SIZE} bytes")
    return HEAD_CONTEXT + _HEAD_STRUCT.pack(size, _micros(timestamp)) + root_hash


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A tree size, timestamp and root hash, signed by the key named ``key_id``."""

    size: int
    timestamp: datetime | None
    root_hash: bytes
    key_id: bytes
    signature: bytes
    # Set for C2SP checkpoint heads: the log's origin line, and (for writing the note's key hash)
    # the raw public key whose SHA-256 is ``key_id``.
    origin: str | None = None
    public_key: bytes | None = None

    def __post_init__(self) -> None:
        if self.origin is None:
            if self.timestamp is None:
                raise AuditFormatError("a v1 tree head needs a timestamp")
            # Building the message validates size, timestamp and root.
            tree_head_message(self.size, self.timestamp, self.root_hash)
        else:
            self.checkpoint()
            if self.timestamp is not None:
                _micros(self.timestamp)
        if self.timestamp is not None:
            object.__setattr__(self, "timestamp", self.timestamp.astimezone(UTC))
        if self.public_key is not None and hashlib.sha256(self.public_key).digest() != self.key_id:
            raise AuditFormatError("the public key carried with a tree head does not match its key id")
        if not isinstance(self.key_id, bytes) or len(self.key_id) != HASH_SIZE:
            raise AuditFormatError(f"a key id must be {HASH_SIZE} bytes")
        if not isinstance(self.signature, bytes) or len(self.signature) != _SIGNATURE_SIZE:
            raise AuditFormatError(f"an Ed25519 signature must be {_SIGNATURE_SIZE} bytes")

    @property
    def is_checkpoint(self) -> bool:
        """Whether this head is a C2SP checkpoint (rather than a v1 head)."""
        return self.origin is not None

    def checkpoint(self) -> Checkpoint:
        """Return the checkpoint this head signs; raise ``AuditFormatError`` for a v1 head."""
        if self.origin is None:
            raise AuditFormatError("a v1 tree head is not a checkpoint")
        return Checkpoint(self.origin, self.size, self.root_hash)

    def message(self) -> bytes:
        """Return the bytes the signature covers."""
        if self.origin is not None:
            return self.checkpoint().text().encode()
        if self.timestamp is None:  # refused by __post_init__; for the type checker
            raise AuditFormatError("a v1 tree head needs a timestamp")
        return tree_head_message(self.size, self.timestamp, self.root_hash)

    def note_signature(self) -> NoteSignature:
        """Return the log's signature line of a checkpoint head (needs ``public_key``)."""
        if self.origin is None or self.public_key is None:
            raise AuditFormatError("only a checkpoint head with its public key has a note signature")
        return NoteSignature(self.origin, note_key_hash(self.origin, ALG_ED25519, self.public_key), self.signature)

    def time_text(self) -> str:
        """When the head was signed (ISO 8601, UTC), or 'an unknown time' for a checkpoint read from a file."""
        if self.timestamp is None:
            return "an unknown time"
        return self.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_text(self) -> str:
        """Return the text form, suitable for a file passed to ``--against``.

        For a checkpoint head this is the C2SP signed note; for a v1 head the v1 text form.
        """
        if self.origin is not None:
            return checkpoint_note(self.checkpoint(), [self.note_signature()])
        if self.timestamp is None:  # refused by __post_init__; for the type checker
            raise AuditFormatError("a v1 tree head needs a timestamp")
        stamp = self.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return (
            f"{HEAD_TEXT_HEADER}\n"
            f"size: {self.size}\n"
            f"timestamp: {stamp}\n"
            f"root: {_b64(self.root_hash)}\n"
            f"key-id: {_b64(self.key_id)}\n"
            f"signature: {_b64(self.signature)}\n"
        )

    @classmethod
    def from_text(cls, text: str, public_keys: Iterable[Ed25519PublicKey] = ()) -> SignedTreeHead:
        """Parse the text form strictly; raise ``AuditFormatError`` on any deviation.

        A C2SP checkpoint note is accepted too: its signature lines name a key only by a 4-byte
        hash, so ``public_keys`` are needed to find the log's signature (``SignatureError`` when
        none of them signed it). Parsing does not check the signature; call
        ``verify_tree_head`` for that.
        """
        if not text.startswith(HEAD_TEXT_HEADER):
            if "\n\n\u2014 " not in text:
                raise AuditFormatError(
                    f"a tree head file must start with {HEAD_TEXT_HEADER!r} or be a C2SP checkpoint"
                )
            return cls.from_checkpoint(text, public_keys)
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines or lines[0].rstrip("\r") != HEAD_TEXT_HEADER:
            raise AuditFormatError(f"a tree head file must start with {HEAD_TEXT_HEADER!r}")
        keys = ("size", "timestamp", "root", "key-id", "signature")
        if len(lines) != 1 + len(keys):
            raise AuditFormatError(
                f"a tree head has {1 + len(keys)} lines; this one has {len(lines)}"
            )
        values: dict[str, str] = {}
        for number, (expected, line) in enumerate(zip(keys, lines[1:], strict=True), start=2):
            name, sep, value = line.rstrip("\r").partition(": ")
            if not sep or name != expected:
                raise AuditFormatError(f"line {number} must be '{expected}: …'")
            values[name] = value
        if not values["size"].isdigit() or values["size"] != str(int(values["size"])):
            raise AuditFormatError("size must be a decimal number without leading zeros")
        if not _TIMESTAMP_RE.fullmatch(values["timestamp"]):
            raise AuditFormatError("timestamp must look like 2025-03-01T09:30:00.000000Z")
        try:
            timestamp = datetime.strptime(values["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=UTC
            )
        except ValueError:
            raise AuditFormatError("timestamp is not a valid date and time") from None
        return cls(
            size=int(values["size"]),
            timestamp=timestamp,
            root_hash=_unb64(values["root"], "root"),
            key_id=_unb64(values["key-id"], "key-id"),
            signature=_unb64(values["signature"], "signature"),
        )


    @classmethod
    def from_checkpoint(cls, text: str | bytes, public_keys: Iterable[Ed25519PublicKey]) -> SignedTreeHead:
        """Read a C2SP checkpoint signed by one of ``public_keys`` (unknown signatures are ignored)."""
        checkpoint, note = parse_checkpoint(text)
        if checkpoint.extensions:
            raise AuditFormatError("Confide's checkpoints carry no extension lines")
        for public_key in public_keys:
            verifier = checkpoint_verifier(checkpoint.origin, public_key)
            for signature in note.signatures:
                if verifier.matches(signature):
                    return cls(
                        size=checkpoint.size,
                        timestamp=None,
                        root_hash=checkpoint.root_hash,
                        key_id=key_id(public_key),
                        signature=signature.signature,
                        origin=checkpoint.origin,
                        public_key=public_key_to_bytes(public_key),
                    )
        raise SignatureError(f"the checkpoint of size {checkpoint.size} carries no signature from a trusted key")


def checkpoint_verifier(origin: str, public_key: Ed25519PublicKey) -> NoteVerifier:
    """The note verifier key (vkey) of the log ``origin`` signed by ``public_key``."""
    return NoteVerifier(origin, ALG_ED25519, public_key_to_bytes(public_key))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, field: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise AuditFormatError(f"{field} is not valid base64") from None
    # Reject non-canonical spellings so that each head has exactly one text form.
    if _b64(data) != text:
        raise AuditFormatError(f"{field} is not in canonical base64")
    return data


def generate_signing_key() -> Ed25519PrivateKey:
    """Generate a new Ed25519 key for signing tree heads."""
    return Ed25519PrivateKey.generate()


def unsafe_signing_key_to_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """Return the raw 32-byte private key.

    Unsafe because the result is the secret itself: seal it before it is
    stored, and keep it out of the database the log lives in.
    """
    return private_key.private_bytes_raw()


def signing_key_from_bytes(data: bytes) -> Ed25519PrivateKey:
    """Load a signing key from its raw 32-byte form."""
    if not isinstance(data, bytes) or len(data) != _KEY_SIZE:
        raise AuditFormatError(f"an Ed25519 private key is {_KEY_SIZE} bytes")
    return Ed25519PrivateKey.from_private_bytes(data)


def public_key_to_bytes(public_key: Ed25519PublicKey) -> bytes:
    """Return the raw 32-byte public key."""
    return public_key.public_bytes_raw()


def public_key_from_bytes(data: bytes) -> Ed25519PublicKey:
    """Load a public key from its raw 32-byte form."""
    if not isinstance(data, bytes) or len(data) != _KEY_SIZE:
        raise AuditFormatError(f"an Ed25519 public key is {_KEY_SIZE} bytes")
    return Ed25519PublicKey.from_public_bytes(data)


def public_key_to_text(public_key: Ed25519PublicKey) -> str:
    """Return the public key as ``ed25519:<base64>``, for config files and docs."""
    return _PUBLIC_KEY_PREFIX + _b64(public_key_to_bytes(public_key))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Parse a public key written by ``public_key_to_text``."""
    if not text.startswith(_PUBLIC_KEY_PREFIX):
        raise AuditFormatError(f"a public key must start with {_PUBLIC_KEY_PREFIX!r}")
    return public_key_from_bytes(_unb64(text.removeprefix(_PUBLIC_KEY_PREFIX), "public key"))


def key_id(public_key: Ed25519PublicKey) -> bytes:
    """Return the key id: SHA-256 of the raw public key."""
    return hashlib.sha256(public_key_to_bytes(public_key)).digest()


def sign_tree_head(
    private_key: Ed25519PrivateKey,
    size: int,
    root_hash: bytes,
    timestamp: datetime,
    *,
    origin: str | None = None,
) -> SignedTreeHead:
    """Sign the tree of ``size`` entries with root ``root_hash`` and return the signed head.

    With ``origin`` the head is a C2SP checkpoint of that log (the signature covers the
    checkpoint text; ``timestamp`` is kept beside it, unsigned). Without it, a v1 head that
    signs (size, timestamp, root hash) is made, as before issue 22.
    """
    public_key = private_key.public_key()
    unsigned = SignedTreeHead(
        size=size,
        timestamp=timestamp,
        root_hash=root_hash,
        key_id=key_id(public_key),
        signature=bytes(_SIGNATURE_SIZE),
        origin=origin,
        public_key=public_key_to_bytes(public_key) if origin is not None else None,
    )
    return replace(unsigned, signature=private_key.sign(unsigned.message()))


def verify_tree_head(public_key: Ed25519PublicKey, head: SignedTreeHead) -> None:
    """Check that ``head`` is signed by ``public_key``; raise ``SignatureError`` if not."""
    if head.key_id != key_id(public_key):
        raise SignatureError(
            f"the tree head of size {head.size} names key {head.key_id.hex()[:16]}…, "
            f"not the expected key {key_id(public_key).hex()[:16]}…"
        )
    try:
        public_key.verify(head.signature, head.message())
    except InvalidSignature:
        raise SignatureError(
            f"the signature on the tree head of size {head.size} is not valid"
        ) from None
