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
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from confide.auditlog.errors import AuditFormatError, SignatureError
from confide.auditlog.merkle import HASH_SIZE

__all__ = [
    "HEAD_CONTEXT",
    "HEAD_TEXT_HEADER",
    "SignedTreeHead",
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
    timestamp: datetime
    root_hash: bytes
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        # Building the message validates size, timestamp and root.
        tree_head_message(self.size, self.timestamp, self.root_hash)
        object.__setattr__(self, "timestamp", self.timestamp.astimezone(UTC))
        if not isinstance(self.key_id, bytes) or len(self.key_id) != HASH_SIZE:
            raise AuditFormatError(f"a key id must be {HASH_SIZE} bytes")
        if not isinstance(self.signature, bytes) or len(self.signature) != _SIGNATURE_SIZE:
            raise AuditFormatError(f"an Ed25519 signature must be {_SIGNATURE_SIZE} bytes")

    def message(self) -> bytes:
        """Return the bytes the signature covers."""
        return tree_head_message(self.size, self.timestamp, self.root_hash)

    def to_text(self) -> str:
        """Return the text form, suitable for a file passed to ``--against``."""
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
    def from_text(cls, text: str) -> SignedTreeHead:
        """Parse the text form strictly; raise ``AuditFormatError`` on any deviation.

        Parsing does not check the signature; call ``verify_tree_head`` for that.
        """
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
    private_key: Ed25519PrivateKey, size: int, root_hash: bytes, timestamp: datetime
) -> SignedTreeHead:
    """Sign (size, timestamp, root hash) and return the signed tree head."""
    message = tree_head_message(size, timestamp, root_hash)
    return SignedTreeHead(
        size=size,
        timestamp=timestamp,
        root_hash=root_hash,
        key_id=key_id(private_key.public_key()),
        signature=private_key.sign(message),
    )


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
