"""The Ed25519 key that signs tree heads, kept in a file outside the database.

Someone who can write the database must not be able to sign, so the private key lives in a file:
`CONFIDE_AUDIT_SIGNING_KEY_FILE`, by default `<key dir>/audit-signing-key` (mode 0600; the key
directory is `CONFIDE_KEY_DIR`, else the data directory, see confide/conf/keyfiles.py), which
`confide init` and `confide demo` create. The file also lists the public keys it replaced, so that
both appending and `confide audit verify` know which keys to trust without asking the database::

    confide audit signing key v1
    private: <base64 of the raw 32-byte private key>
    previous: ed25519:<base64 of a retired public key>      (zero or more lines)

This module is the only place that reads or writes the private key.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from confide.auditlog import (
    AuditFormatError,
    generate_signing_key,
    key_id,
    public_key_from_text,
    public_key_to_text,
    signing_key_from_bytes,
    unsafe_signing_key_to_bytes,
)
from confide.conf import keyfiles

__all__ = [
    "DEFAULT_KEY_FILE_NAME",
    "KEY_FILE_ENV",
    "SigningKeyError",
    "SigningKeyFile",
    "create_signing_key_file_trusting",
    "ensure_signing_key",
    "ensure_signing_key_file",
    "load_signing_key_file",
    "rotate_signing_key",
    "signing_key_path",
]

KEY_FILE_ENV = "CONFIDE_AUDIT_SIGNING_KEY_FILE"
DEFAULT_KEY_FILE_NAME = "audit-signing-key"
_HEADER = "confide audit signing key v1"


class SigningKeyError(Exception):
    """The signing key file is missing, unreadable or malformed. The message names the file only."""


@dataclass(frozen=True)
class SigningKeyFile:
    """The current signing key and the retired public keys listed with it."""

    private_key: Ed25519PrivateKey
    previous: tuple[Ed25519PublicKey, ...]

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half of the current key."""
        return self.private_key.public_key()

    @property
    def key_id(self) -> bytes:
        """SHA-256 of the current public key, as stored beside each signed tree head."""
        return key_id(self.public_key)

    def trusted_public_keys(self) -> tuple[Ed25519PublicKey, ...]:
        """The current public key and every retired one: the keys whose heads are genuine."""
        return (self.public_key, *self.previous)


def signing_key_path(data_dir: Path) -> Path:
    """Where the key lives: `CONFIDE_AUDIT_SIGNING_KEY_FILE`, else `<key dir>/audit-signing-key`.

    The key directory is `CONFIDE_KEY_DIR`, or the data directory when that is not set."""
    return keyfiles.key_file(DEFAULT_KEY_FILE_NAME, KEY_FILE_ENV, Path(data_dir))


def _render(private_key: Ed25519PrivateKey, previous: tuple[Ed25519PublicKey, ...]) -> str:
    raw = base64.b64encode(unsafe_signing_key_to_bytes(private_key)).decode("ascii")
    lines = [_HEADER, f"private: {raw}", *(f"previous: {public_key_to_text(key)}" for key in previous)]
    return "\n".join(lines) + "\n"


def _parse(text: str, path: Path) -> SigningKeyFile:
    lines = text.strip().split("\n")
    if len(lines) < 2 or lines[0].strip() != _HEADER or not lines[1].startswith("private: "):
        raise SigningKeyError(f"The audit signing key file {path} is not a Confide audit signing key.")
    try:
        raw = base64.b64decode(lines[1].removeprefix("private: ").strip(), validate=True)
        private_key = signing_key_from_bytes(raw)
        previous = []
        for line in lines[2:]:
            if not line.startswith("previous: "):
                raise AuditFormatError("unexpected line")
            previous.append(public_key_from_text(line.removeprefix("previous: ").strip()))
    except (binascii.Error, ValueError):
        raise SigningKeyError(f"The audit signing key file {path} is damaged.") from None
    return SigningKeyFile(private_key, tuple(previous))


def load_signing_key_file(path: Path) -> SigningKeyFile:
    """Read and parse the key file; raise `SigningKeyError` when that is not possible."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise SigningKeyError(
            f"The audit signing key file {path} does not exist. `confide init` creates it; for a data "
            "directory made before the audit log, run `confide audit create-key`."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise SigningKeyError(f"The audit signing key file {path} cannot be read ({reason}).") from None
    return _parse(text, path)


def _write_new_file(path: Path, content: str, *, replace: bool) -> None:
    """Write `content` to `path` with mode 0600 so that no reader ever sees a half-written key.

    The content goes to a private temporary file first, which is then linked into place (failing
    if the key already exists) or, for a rotation, renamed over the old key.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            temporary.replace(path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def ensure_signing_key(data_dir: Path) -> Path:
    """Create the signing key file (mode 0600) unless it exists; return its path.

    The file is `CONFIDE_AUDIT_SIGNING_KEY_FILE` or `<data dir>/audit-signing-key`. Safe to call
    from several processes at once: exactly one key is created and every caller ends up using it.
    """
    return ensure_signing_key_file(signing_key_path(data_dir))


def ensure_signing_key_file(path: Path) -> Path:
    """Create a signing key file at `path` unless one is there; check it parses; return `path`."""
    if path.exists():
        load_signing_key_file(path)
        return path
    try:
        _write_new_file(path, _render(generate_signing_key(), ()), replace=False)
    except FileExistsError:
        pass
    except OSError as exc:
        raise SigningKeyError(f"Cannot create the audit signing key file {path} ({exc.strerror}).") from None
    load_signing_key_file(path)
    return path


def rotate_signing_key(path: Path) -> SigningKeyFile:
    """Replace the key in `path` with a new one, keeping the old public key as trusted.

    Heads signed before the rotation stay verifiable, and the old private key is gone from the file.
    """
    old = load_signing_key_file(path)
    new = SigningKeyFile(generate_signing_key(), (old.public_key, *old.previous))
    try:
        _write_new_file(path, _render(new.private_key, new.previous), replace=True)
    except OSError as exc:
        raise SigningKeyError(f"Cannot write the audit signing key file {path} ({exc.strerror}).") from None
    return new


def create_signing_key_file_trusting(path: Path, previous: tuple[Ed25519PublicKey, ...]) -> SigningKeyFile:
    """Create a new key file at `path` (which must not exist) that also trusts `previous` keys.

    A restore into a new place uses it when the operator's own key file is not at hand: the
    restored log's heads stay verifiable under the keys that signed them, and new heads are
    signed by a new key.
    """
    new = SigningKeyFile(generate_signing_key(), previous)
    try:
        _write_new_file(path, _render(new.private_key, new.previous), replace=False)
    except FileExistsError:
        raise SigningKeyError(f"The audit signing key file {path} already exists.") from None
    except OSError as exc:
        raise SigningKeyError(f"Cannot create the audit signing key file {path} ({exc.strerror}).") from None
    return new
