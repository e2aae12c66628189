"""Portal clients' e-mail addresses: looked up by a keyed hash, kept only sealed (ADR 0013).

A client's e-mail address identifies them, and promise 1 says a stolen copy yields no client
identity. So a portal client's `User.email` holds `<keyed hash>@portal.invalid` (the hash of the
normalised address under the address key), which is all sign-in needs, and the address itself
is kept sealed under the same key file (a separately derived key) for the e-mails Confide sends
them. The address key lives in a file outside the database (`CONFIDE_ADDRESS_KEY_FILE`,
confide/conf/keyfiles.py), so the database alone, or with the data directory when the keys are
kept apart as production requires, opens neither.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from confide import crypto

ALIAS_DOMAIN = "portal.invalid"
_LOOKUP_LABEL = b"portal-address/lookup"
_SEAL_LABEL = b"portal-address/seal"
_HEADER = "confide address key v1"
_cache: dict[str, tuple[float, bytes]] = {}


def normalise(address: str) -> str:
    """The form of an address that is hashed: trimmed and lower-cased."""
    return address.strip().lower()


def write_address_key(path: Path) -> bool:
    """Create a new address key file (mode 0600) unless one exists; True when it was created."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"{_HEADER}\n{base64.b64encode(secrets.token_bytes(32)).decode('ascii')}\n")
    return True


def address_key() -> bytes:
    """The address key's 32 bytes. Outside production a missing file is created on first use."""
    path = Path(settings.CONFIDE_ADDRESS_KEY_FILE)
    if not path.is_file():
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                f"The address key file {path} is missing: restore it from where you keep keys, "
                "or set CONFIDE_ADDRESS_KEY_FILE.")
        write_address_key(path)
    stamp = path.stat().st_mtime
    cached = _cache.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    lines = path.read_text(encoding="utf-8").split()
    try:
        if " ".join(lines[:4]) != _HEADER:
            raise ValueError
        key = base64.b64decode(lines[4], validate=True)
        if len(key) != 32:
            raise ValueError
    except (ValueError, IndexError):
        raise ImproperlyConfigured(f"{path} is not a Confide address key file.") from None
    _cache[str(path)] = (stamp, key)
    return key


def portal_alias(address: str) -> str:
    """What a portal client's `User.email` holds: the keyed hash of their address."""
    digest = crypto.keyed_digest(address_key(), _LOOKUP_LABEL, normalise(address).encode("utf-8"))
    return f"{digest}@{ALIAS_DOMAIN}"


def is_alias(stored_email: str) -> bool:
    """Whether a stored `User.email` is a portal alias rather than an address."""
    return stored_email.endswith("@" + ALIAS_DOMAIN)


def _context(user_id: int) -> crypto.SealContext:
    return crypto.SealContext(practice_id="addresses", client_id=f"user:{user_id}", record_type="portal-account",
                              record_id=str(user_id), field="email", version=1, scope=crypto.Scope.ADMIN)


def seal_address(user_id: int, address: str) -> bytes:
    """The client's address sealed for sending them e-mail, bound to their account."""
    key = crypto.derive_scope_key(address_key(), _SEAL_LABEL)
    return crypto.seal_field(key, normalise(address).encode("utf-8"), _context(user_id))


def open_address(user_id: int, sealed: bytes) -> str:
    """Open a sealed address. Raises `crypto.CryptoError` when it does not open (altered, moved)."""
    key = crypto.derive_scope_key(address_key(), _SEAL_LABEL)
    return crypto.open_field(key, bytes(sealed), _context(user_id)).decode("utf-8")
