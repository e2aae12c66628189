"""The binary layout shared by every Confide ciphertext and key blob.

Every blob starts with a five-byte header::

    offset  size  field
    0       2     magic, the ASCII bytes "CF"
    2       1     format version, currently 1
    3       1     kind: what the blob is (see `Kind`)
    4       1     algorithm id; its meaning depends on the kind

The header is always part of the associated data (or the HPKE ``info``)
of the AEAD that protects the rest of the blob, so changing any header byte
makes the blob fail to open. Because the kind is in the header, a blob of
one kind can never be accepted as a blob of another.

Structured associated data is built with `encode_fields`, which prefixes
every field with its length. The encoding is therefore unambiguous: no two
different lists of fields produce the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Collection
from enum import IntEnum

from confide.crypto.errors import IntegrityError

__all__ = [
    "FORMAT_VERSION",
    "HEADER_LEN",
    "KEY_ID_LEN",
    "MAGIC",
    "NONCE_LEN",
    "TAG_LEN",
    "Kind",
    "Reader",
    "encode_fields",
    "encode_header",
    "parse_header",
]

MAGIC = b"CF"
FORMAT_VERSION = 1
HEADER_LEN = 5
KEY_ID_LEN = 16
NONCE_LEN = 12
TAG_LEN = 16


class Kind(IntEnum):
    """What a blob contains; the fourth header byte."""

    SEALED_FIELD = 1
    SCOPE_KEY_WRAP = 2
    PRIVATE_KEY_PASSWORD_WRAP = 3
    PRIVATE_KEY_SECRET_WRAP = 4
    RECOVERY_PRIVATE_KEY = 5
    PRIVATE_KEY_WRAP = 6
    PRIVATE_KEY = 7
    PUBLIC_KEY = 8
    SCOPE_KEY_SELF_WRAP = 9
    BACKUP_ARCHIVE = 10

    @property
    def label(self) -> str:
        """A readable name for error messages."""
        return self.name.lower().replace("_", " ")


def encode_header(kind: Kind, algorithm: int) -> bytes:
    """Return the five-byte header for a blob of ``kind`` made with ``algorithm``."""
    return MAGIC + bytes((FORMAT_VERSION, kind, algorithm))


def parse_header(blob: bytes, kind: Kind, algorithms: Collection[int]) -> tuple[int, Reader]:
    """Check a blob's header and return its algorithm id and a reader after it.

    Raises `IntegrityError` when the blob is not bytes, is too short, has the
    wrong magic, an unknown format version, another kind, or an algorithm
    id outside ``algorithms``.
    """
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise TypeError(f"expected bytes, got {type(blob).__name__}")
    blob = bytes(blob)
    if len(blob) < HEADER_LEN or blob[:2] != MAGIC:
        raise IntegrityError(f"not a Confide {kind.label} (no Confide header)")
    if blob[2] != FORMAT_VERSION:
        raise IntegrityError(f"unsupported Confide format version {blob[2]}")
    if blob[3] != kind:
        try:
            found = Kind(blob[3]).label
        except ValueError:
            found = f"unknown kind {blob[3]}"
        raise IntegrityError(f"expected a {kind.label}, got a {found}")
    if blob[4] not in algorithms:
        raise IntegrityError(f"unsupported algorithm id {blob[4]} for a {kind.label}")
    reader = Reader(blob, kind)
    reader.take(HEADER_LEN)
    return blob[4], reader


class Reader:
    """Reads fixed-size fields from a blob, raising `IntegrityError` when it runs short."""

    def __init__(self, blob: bytes, kind: Kind) -> None:
        """Start reading ``blob`` (a blob of ``kind``) at its first byte."""
        self._blob = blob
        self._kind = kind
        self._offset = 0

    @property
    def consumed(self) -> bytes:
        """All bytes read so far, which is the part of the blob used as a header."""
        return self._blob[: self._offset]

    def take(self, size: int) -> bytes:
        """Return the next ``size`` bytes."""
        end = self._offset + size
        if end > len(self._blob):
            raise IntegrityError(f"truncated {self._kind.label}")
        chunk = self._blob[self._offset : end]
        self._offset = end
        return chunk

    def u8(self) -> int:
        """Return the next byte as an unsigned integer."""
        return self.take(1)[0]

    def u32(self) -> int:
        """Return the next four bytes as a big-endian unsigned integer."""
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def rest(self, minimum: int) -> bytes:
        """Return every remaining byte, requiring at least ``minimum`` of them."""
        if len(self._blob) - self._offset < minimum:
            raise IntegrityError(f"truncated {self._kind.label}")
        chunk = self._blob[self._offset :]
        self._offset = len(self._blob)
        return chunk

    def end(self) -> None:
        """Require that every byte has been read."""
        if self._offset != len(self._blob):
            raise IntegrityError(f"trailing bytes after a {self._kind.label}")


def encode_fields(*fields: bytes) -> bytes:
    """Encode byte strings unambiguously, each prefixed with its 4-byte big-endian length."""
    out = bytearray()
    for item in fields:
        out += struct.pack(">I", len(item))
        out += item
    return bytes(out)
