"""Encrypting a whole backup archive to a backup key pair, as a stream.

A backup can be gigabytes, so it is not sealed in one piece. Instead a fresh 256-bit data key
is wrapped to the backup public key with HPKE (RFC 9180, the suite of the key pair), and the
archive is cut into chunks sealed with AES-256-GCM under that data key, following the STREAM
construction (Hoang, Reyhanitabar, Rogaway and Vizár, "Online authenticated-encryption and its
nonce-reuse misuse-resistance", 2015): each chunk's nonce is its index and a flag that marks the
last chunk, so chunks cannot be reordered, dropped or appended, and a cut-off archive is
refused. Layout (kind 10, algorithm = `KeySuite`)::

    header(5) | recipient key id(16) | archive id(16) | HPKE enc + sealed data key
    then, per chunk:  u32 length of sealed chunk | AES-256-GCM(chunk) with its tag

The associated data of every chunk, and the HPKE ``info``, is ``header | recipient key id |
archive id | label``. The data key is used for one archive only, so nonces never repeat.
"""

from __future__ import annotations

import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from confide.crypto.errors import IntegrityError, WrongKeyError
from confide.crypto.format import KEY_ID_LEN, TAG_LEN, Kind, encode_header, parse_header
from confide.crypto.keys import KeySuite, UserPrivateKey, UserPublicKey, hpke_min_sealed_len, hpke_suite

__all__ = ["ARCHIVE_CHUNK_SIZE", "ArchiveReader", "ArchiveWriter", "open_archive", "seal_archive"]

ARCHIVE_CHUNK_SIZE = 1 << 20
_DATA_KEY_LEN = 32
_LABEL = b"confide/backup-archive/v1"
_U32 = struct.Struct(">I")
_NONCE = struct.Struct(">QB3x")
_MAX_SEALED_CHUNK = ARCHIVE_CHUNK_SIZE + TAG_LEN


def _prefix_len(suite: KeySuite) -> int:
    return 5 + 2 * KEY_ID_LEN + hpke_min_sealed_len(suite) + _DATA_KEY_LEN


class ArchiveWriter:
    """A write-only file object that encrypts what is written to it into ``target``.

    Call `close` once at the end: it seals the last chunk, without which the archive is refused.
    """

    def __init__(self, recipient: UserPublicKey, target: BinaryIO) -> None:
        """Start an archive to ``recipient``: write its header and the wrapped data key."""
        header = encode_header(Kind.BACKUP_ARCHIVE, recipient.suite) + recipient.key_id + os.urandom(KEY_ID_LEN)
        self._aad = header + _LABEL
        data_key = AESGCM.generate_key(bit_length=256)
        sealed_key = hpke_suite(recipient.suite).encrypt(data_key, recipient.hpke_key, info=self._aad)
        self._aead = AESGCM(data_key)
        self._target = target
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        self.bytes_written = target.write(header + sealed_key)

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_NONCE.pack(self._index, 1 if last else 0), chunk, self._aad)
        self.bytes_written += self._target.write(_U32.pack(len(sealed)) + sealed)
        self._index += 1

    def write(self, data: bytes) -> int:
        """Buffer ``data`` and seal every full chunk."""
        if self._closed:
            raise ValueError("the archive is closed")
        self._buffer += data
        # Keep at least one byte back, so that the last chunk is always sealed by `close`.
        while len(self._buffer) > ARCHIVE_CHUNK_SIZE:
            self._emit(bytes(self._buffer[:ARCHIVE_CHUNK_SIZE]), last=False)
            del self._buffer[:ARCHIVE_CHUNK_SIZE]
        return len(data)

    def flush(self) -> None:
        """Nothing to do: chunks are written when full (tarfile calls this)."""

    def close(self) -> None:
        """Seal the last chunk (possibly empty); later writes fail."""
        if not self._closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True


class ArchiveReader:
    """A read-only file object that decrypts an archive made by `ArchiveWriter`.

    Every chunk is authenticated before any of its bytes are returned. `read` raises
    `IntegrityError` when the archive was altered, reordered or cut short, and `WrongKeyError`
    (from the constructor) when it is addressed to another backup key. Bytes of earlier chunks
    may already have been returned when a later chunk fails, so unpack into a temporary place.
    """

    def __init__(self, private_key: UserPrivateKey, source: BinaryIO) -> None:
        """Read the archive's header and unwrap its data key."""
        head = source.read(5)
        suite_id, _ = parse_header(head, Kind.BACKUP_ARCHIVE, set(KeySuite))
        suite = KeySuite(suite_id)
        rest = _read_exact(source, _prefix_len(suite) - 5)
        recipient_id, archive_id = rest[:KEY_ID_LEN], rest[KEY_ID_LEN : 2 * KEY_ID_LEN]
        public = private_key.public_key()
        if suite is not private_key.suite or not hmac.compare_digest(recipient_id, public.key_id):
            raise WrongKeyError("the backup archive is encrypted to a different backup key")
        self._aad = head + recipient_id + archive_id + _LABEL
        try:
            data_key = hpke_suite(suite).decrypt(rest[2 * KEY_ID_LEN :], private_key.hpke_key, info=self._aad)
        except InvalidTag:
            raise IntegrityError("the backup archive's key failed authentication") from None
        self._aead = AESGCM(data_key)
        self._source = source
        self._buffer = b""
        self._index = 0
        self._done = False

    def _next_chunk(self) -> bytes:
        length_bytes = self._source.read(4)
        if len(length_bytes) != 4:
            raise IntegrityError("truncated backup archive: its last chunk is missing")
        (length,) = _U32.unpack(length_bytes)
        if not TAG_LEN <= length <= _MAX_SEALED_CHUNK:
            raise IntegrityError("the backup archive has a chunk of an impossible length")
        sealed = _read_exact(self._source, length)
        for last in (0, 1):
            try:
                chunk = self._aead.decrypt(_NONCE.pack(self._index, last), sealed, self._aad)
            except InvalidTag:
                continue
            break
        else:
            raise IntegrityError(f"chunk {self._index} of the backup archive failed authentication")
        self._index += 1
        if last:
            if self._source.read(1):
                raise IntegrityError("the backup archive has data after its last chunk")
            self._done = True
        return chunk

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` authenticated bytes (all that remain when ``size`` < 0)."""
        while (size < 0 or len(self._buffer) < size) and not self._done:
            self._buffer += self._next_chunk()
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _read_exact(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise IntegrityError("truncated backup archive")
    return data


def seal_archive(recipient: UserPublicKey, source: BinaryIO, target: BinaryIO) -> int:
    """Encrypt everything readable from ``source`` to ``recipient`` into ``target``; return bytes written."""
    writer = ArchiveWriter(recipient, target)
    while block := source.read(ARCHIVE_CHUNK_SIZE):
        writer.write(block)
    writer.close()
    return writer.bytes_written


def open_archive(private_key: UserPrivateKey, source: BinaryIO, target: BinaryIO) -> int:
    """Decrypt an archive made by `seal_archive` into ``target``; return the plaintext length."""
    reader = ArchiveReader(private_key, source)
    total = 0
    while block := reader.read(ARCHIVE_CHUNK_SIZE):
        total += target.write(block)
    return total
