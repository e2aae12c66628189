"""C2SP signed notes, checkpoints and cosignatures (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature).

A *note* is UTF-8 text ending in a newline, a blank line, and one or more signature lines
``— <key name> base64(4-byte key hash || signature)``. A *checkpoint* is a note whose text is
three lines: the log's origin, the tree size in decimal and the base64 RFC 6962 root hash
(extension lines are allowed by the spec; Confide writes none). A *cosignature* (type 0x04) is a
witness's timestamped Ed25519 signature over ``cosignature/v1\\ntime <T>\\n`` followed by the
checkpoint's text.

Everything here follows the specs to the letter so that any C2SP implementation (the Go
``golang.org/x/mod/sumdb/note`` package, transparency-dev witnesses, Sigstore's tools) can read
what Confide writes and the other way round. Signatures from unknown keys are ignored, as the
spec requires; a signature from a known key that does not verify rejects the whole note.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from confide.auditlog.errors import AuditFormatError, SignatureError
from confide.auditlog.merkle import HASH_SIZE

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "COSIGNATURE_HEADER",
    "Checkpoint",
    "Cosignature",
    "Note",
    "NoteSignature",
    "NoteVerifier",
    "checkpoint_note",
    "cosign_checkpoint",
    "cosignature_message",
    "note_key_hash",
    "parse_checkpoint",
    "parse_note",
    "sign_note_text",
    "signature_line",
    "verify_cosignature",
    "verify_note",
]

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
COSIGNATURE_HEADER = "cosignature/v1"
_EM_DASH = "\u2014"
_MAX_SIGNATURES = 64
_MAX_NOTE_BYTES = 1 << 20
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,19}")
_MAX_TIMESTAMP = (1 << 63) - 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise AuditFormatError(f"{what} is not valid base64") from None
    if _b64(data) != text:
        raise AuditFormatError(f"{what} is not in canonical base64")
    return data


def _check_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise AuditFormatError("a key name must be non-empty, without spaces or '+'")
    if any(ord(ch) < 0x20 for ch in name):
        raise AuditFormatError("a key name must not contain control characters")


def note_key_hash(name: str, algorithm: int, public_key: bytes) -> bytes:
    """Return the 4-byte key hash: SHA-256(name || 0x0A || algorithm || public key)[:4]."""
    _check_name(name)
    return hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public_key).digest()[:4]


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line of a note: key name, 4-byte key hash and the signature bytes after it."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        """Return the signature line, ending in a newline."""
        return f"{_EM_DASH} {self.name} {_b64(self.key_hash + self.signature)}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed note: its text (ending in a newline) and its signature lines, not yet verified."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def to_text(self) -> str:
        """Return the whole note: text, blank line, signature lines."""
        return self.text + "\n" + "".join(sig.line() for sig in self.signatures)


def parse_signature_line(line: str) -> NoteSignature:
    """Parse ``— name base64`` (without its newline)."""
    prefix = _EM_DASH + " "
    if not line.startswith(prefix):
        raise AuditFormatError("a signature line must start with an em dash and a space")
    name, sep, blob = line[len(prefix) :].partition(" ")
    if not sep or " " in blob:
        raise AuditFormatError("a signature line must be '— <name> <base64>'")
    _check_name(name)
    raw = _unb64(blob, "a note signature")
    if len(raw) < 5:
        raise AuditFormatError("a note signature must hold a 4-byte key hash and a signature")
    return NoteSignature(name, raw[:4], raw[4:])


def parse_note(data: str | bytes) -> Note:
    """Parse a signed note strictly (UTF-8, no control characters but newline, >= 1 signature)."""
    if isinstance(data, bytes):
        if len(data) > _MAX_NOTE_BYTES:
            raise AuditFormatError("the note is too large")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise AuditFormatError("a note must be valid UTF-8") from None
    if len(data) > _MAX_NOTE_BYTES:
        raise AuditFormatError("the note is too large")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in data):
        raise AuditFormatError("a note must not contain control characters other than newline")
    if not data.endswith("\n"):
        raise AuditFormatError("a note must end with a newline")
    # The text is separated from the signatures by the LAST blank line.
    split = data.rfind("\n\n")
    if split < 0:
        raise AuditFormatError("a note needs a blank line before its signatures")
    text = data[: split + 1]
    lines = data[split + 2 :].split("\n")[:-1]
    if not lines:
        raise AuditFormatError("a note needs at least one signature line")
    if len(lines) > _MAX_SIGNATURES:
        raise AuditFormatError(f"a note may carry at most {_MAX_SIGNATURES} signatures here")
    return Note(text, tuple(parse_signature_line(line) for line in lines))


def sign_note_text(text: str, name: str, private_key: Ed25519PrivateKey) -> NoteSignature:
    """Sign note ``text`` with an Ed25519 (type 0x01) note key called ``name``."""
    _check_text(text)
    public = private_key.public_key().public_bytes_raw()
    return NoteSignature(name, note_key_hash(name, ALG_ED25519, public), private_key.sign(text.encode()))


def signature_line(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Return the signature line for ``text`` (see ``sign_note_text``)."""
    return sign_note_text(text, name, private_key).line()


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise AuditFormatError("note text must end with a newline")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise AuditFormatError("note text must not contain control characters other than newline")


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """A trusted note key: name, algorithm (0x01 log key, 0x04 cosigner) and raw Ed25519 public key.

    Its text form is the vkey of the Go note package and C2SP: ``name+hex8+base64(alg||key)``.
    """

    name: str
    algorithm: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.algorithm not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise AuditFormatError("only Ed25519 note keys (0x01) and cosigner keys (0x04) are supported")
        if len(self.public_key) != 32:
            raise AuditFormatError("an Ed25519 public key is 32 bytes")

    @property
    def key_hash(self) -> bytes:
        """The 4-byte key hash that this key's signature lines start with."""
        return note_key_hash(self.name, self.algorithm, self.public_key)

    def to_text(self) -> str:
        """Return the vkey text form."""
        return f"{self.name}+{self.key_hash.hex()}+{_b64(bytes([self.algorithm]) + self.public_key)}"

    @classmethod
    def from_text(cls, text: str) -> NoteVerifier:
        """Parse a vkey; its key hash must match the name and key."""
        parts = text.strip().split("+")
        # The base64 part may itself contain '+': the name is before the first '+', the hash next.
        if len(parts) < 3:
            raise AuditFormatError("a verifier key has the form name+hash+base64")
        name, hash_hex, blob = parts[0], parts[1], "+".join(parts[2:])
        if not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
            raise AuditFormatError("a verifier key's hash is 8 lowercase hex digits")
        raw = _unb64(blob, "a verifier key")
        if len(raw) != 33:
            raise AuditFormatError("a verifier key holds a type byte and a 32-byte Ed25519 key")
        verifier = cls(name, raw[0], raw[1:])
        if verifier.key_hash.hex() != hash_hex:
            raise AuditFormatError("a verifier key's hash does not match its name and key")
        return verifier

    def public(self) -> Ed25519PublicKey:
        """Return the public key as a pyca object."""
        return Ed25519PublicKey.from_public_bytes(self.public_key)

    def matches(self, signature: NoteSignature) -> bool:
        """Whether a signature line names this key (name AND key hash)."""
        return signature.name == self.name and signature.key_hash == self.key_hash

    def check(self, text: str, signature: NoteSignature) -> None:
        """Verify ``signature`` (which must name this key) over ``text``; raise ``SignatureError``."""
        if self.algorithm == ALG_ED25519:
            message, sig = text.encode(), signature.signature
        else:
            cosig = Cosignature.from_note_signature(signature)
            message, sig = cosignature_message(text, cosig.timestamp), cosig.signature
        if len(sig) != 64:
            raise SignatureError(f"the signature by {self.name} has the wrong length")
        try:
            self.public().verify(sig, message)
        except InvalidSignature:
            raise SignatureError(f"the signature by {self.name} is not valid") from None


def verify_note(note: Note, verifiers: Iterable[NoteVerifier]) -> list[tuple[NoteVerifier, NoteSignature]]:
    """Verify every signature of a known key; return those (key, signature) pairs.

    Unknown signatures are ignored. A known key's signature that fails raises ``SignatureError``
    (the whole note is rejected), and so does a note with no signature from any known key.
    """
    trusted = list(verifiers)
    verified: list[tuple[NoteVerifier, NoteSignature]] = []
    for signature in note.signatures:
        for verifier in trusted:
            if verifier.matches(signature):
                verifier.check(note.text, signature)
                verified.append((verifier, signature))
    if not verified:
        raise SignatureError("the note carries no signature from a trusted key")
    return verified


# ----------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The text of a C2SP checkpoint: origin, tree size, root hash (and opaque extension lines)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or any(ord(ch) < 0x20 for ch in self.origin):
            raise AuditFormatError("a checkpoint origin must be one non-empty line")
        if not 0 <= self.size < (1 << 64):
            raise AuditFormatError(f"tree size {self.size} is out of range")
        if len(self.root_hash) != HASH_SIZE:
            raise AuditFormatError(f"a root hash must be {HASH_SIZE} bytes")
        for line in self.extensions:
            if not line or "\n" in line:
                raise AuditFormatError("checkpoint extension lines must be non-empty single lines")

    def text(self) -> str:
        """Return the note text (the bytes the log's signature and cosignatures cover)."""
        extra = "".join(line + "\n" for line in self.extensions)
        return f"{self.origin}\n{self.size}\n{_b64(self.root_hash)}\n{extra}"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text strictly."""
        if not text.endswith("\n"):
            raise AuditFormatError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(line == "" for line in lines):
            raise AuditFormatError("a checkpoint has at least three non-empty lines")
        if not _SIZE_RE.fullmatch(lines[1]):
            raise AuditFormatError("the checkpoint size must be decimal without leading zeros")
        return cls(lines[0], int(lines[1]), _unb64(lines[2], "the checkpoint root hash"), tuple(lines[3:]))


def checkpoint_note(checkpoint: Checkpoint, signatures: Sequence[NoteSignature]) -> str:
    """Return the signed checkpoint (note text, blank line, signature lines)."""
    return Note(checkpoint.text(), tuple(signatures)).to_text()


def parse_checkpoint(data: str | bytes) -> tuple[Checkpoint, Note]:
    """Parse a signed checkpoint; signatures are NOT verified (use ``verify_note``)."""
    note = parse_note(data)
    return Checkpoint.from_text(note.text), note


# ----------------------------------------------------------------------------- cosignatures


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A tlog-cosignature/v1 (Ed25519, type 0x04): the witness's name, key hash, time and signature."""

    name: str
    key_hash: bytes
    timestamp: int
    signature: bytes

    def note_signature(self) -> NoteSignature:
        """Return it as a note signature (key hash || u64 timestamp || signature)."""
        return NoteSignature(self.name, self.key_hash, struct.pack(">Q", self.timestamp) + self.signature)

    @classmethod
    def from_note_signature(cls, signature: NoteSignature) -> Cosignature:
        """Read a cosignature from a note signature line's bytes."""
        if len(signature.signature) != 8 + 64:
            raise AuditFormatError("a cosignature/v1 is an 8-byte timestamp and a 64-byte signature")
        (timestamp,) = struct.unpack(">Q", signature.signature[:8])
        if timestamp > _MAX_TIMESTAMP:
            raise AuditFormatError("a cosignature timestamp must not exceed 2^63 - 1")
        return cls(signature.name, signature.key_hash, timestamp, signature.signature[8:])


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    """Return the bytes a cosignature/v1 signs: header, time line, checkpoint text."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise AuditFormatError("a cosignature timestamp must be between 0 and 2^63 - 1")
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{checkpoint_text}".encode()


def cosign_checkpoint(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> Cosignature:
    """Cosign a checkpoint as witness ``name`` at POSIX time ``timestamp``."""
    public = private_key.public_key().public_bytes_raw()
    signature = private_key.sign(cosignature_message(checkpoint.text(), timestamp))
    return Cosignature(name, note_key_hash(name, ALG_COSIGNATURE_V1, public), timestamp, signature)


def verify_cosignature(checkpoint: Checkpoint, verifier: NoteVerifier, cosignature: Cosignature) -> None:
    """Check a witness's cosignature on a checkpoint; raise ``SignatureError`` if it is not valid."""
    if verifier.algorithm != ALG_COSIGNATURE_V1:
        raise SignatureError("that key is not a cosigner key (type 0x04)")
    if not verifier.matches(cosignature.note_signature()):
        raise SignatureError(f"the cosignature is not by {verifier.name}")
    verifier.check(checkpoint.text(), cosignature.note_signature())
