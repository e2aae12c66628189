"""The backup key pair's two files: a public half for the server, a private half kept offline.

The private file holds the raw key (like a recovery share, it is the secret itself); it is
written with mode 0600 and belongs on a medium that never sits next to the data directory.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from confide import crypto

PUBLIC_HEADER = "CONFIDE BACKUP PUBLIC KEY v1"
PRIVATE_HEADER = "CONFIDE BACKUP PRIVATE KEY v1"
PUBLIC_FILE_NAME = "confide-backup.pub"
PRIVATE_FILE_NAME = "confide-backup.key"

__all__ = ["BackupKeyError", "generate_backup_keys", "read_private_key", "read_public_key"]


class BackupKeyError(Exception):
    """A backup key file is missing, unreadable or not a backup key."""


def _write_new(path: Path, text: str, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise BackupKeyError(f"{path} already exists; choose an empty directory.") from None
    except OSError as exc:
        raise BackupKeyError(f"Cannot write {path} ({exc.strerror}).") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


def generate_backup_keys(output_dir: Path) -> tuple[Path, Path, str]:
    """Write a new backup key pair into `output_dir`; return the public path, private path, fingerprint."""
    output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    public_path, private_path = output_dir / PUBLIC_FILE_NAME, output_dir / PRIVATE_FILE_NAME
    for path in (public_path, private_path):
        if path.exists():
            raise BackupKeyError(f"{path} already exists; choose an empty directory.")
    private = crypto.generate_user_keypair()
    public = private.public_key()
    fp = crypto.fingerprint(public)
    _write_new(private_path, f"{PRIVATE_HEADER}\n"
               f"{base64.b64encode(crypto.unsafe_serialize_private_key(private)).decode('ascii')}\n"
               f"fingerprint: {fp}\n", 0o600)
    _write_new(public_path, f"{PUBLIC_HEADER}\n"
               f"{base64.b64encode(crypto.serialize_public_key(public)).decode('ascii')}\n"
               f"fingerprint: {fp}\n", 0o644)
    return public_path, private_path, fp


def _body(path: Path, header: str) -> bytes:
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        raise BackupKeyError(f"The backup key file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError):
        raise BackupKeyError(f"The backup key file {path} cannot be read.") from None
    if len(lines) < 2 or lines[0].strip() != header:
        raise BackupKeyError(f"{path} is not a {header.removesuffix(' v1').lower()} file.")
    try:
        return base64.b64decode(lines[1].strip(), validate=True)
    except binascii.Error:
        raise BackupKeyError(f"The backup key file {path} is damaged.") from None


def read_public_key(path: Path) -> crypto.UserPublicKey:
    """Load the public half written by `generate_backup_keys`."""
    try:
        return crypto.load_public_key(_body(path, PUBLIC_HEADER))
    except crypto.CryptoError:
        raise BackupKeyError(f"The backup key file {path} is damaged.") from None


def read_private_key(path: Path) -> crypto.UserPrivateKey:
    """Load the private half written by `generate_backup_keys`."""
    try:
        return crypto.unsafe_load_private_key(_body(path, PRIVATE_HEADER))
    except crypto.CryptoError:
        raise BackupKeyError(f"The backup key file {path} is damaged.") from None
