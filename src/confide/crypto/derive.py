"""Keys derived from one operator-held secret, one per purpose (HKDF-SHA256 with a label).

Used for secrets that live in a key file outside the database (the address key, ADR 0013):
each purpose gets its own key, so the look-up hash and the sealing key never share one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.crypto.format import KEY_ID_LEN
from confide.crypto.keys import SCOPE_KEY_LEN, ScopeKey

__all__ = ["derive_scope_key", "keyed_digest", "turn_rest_password"]

_MIN_SECRET_LEN = 32


def _derive(secret: bytes, label: bytes, length: int) -> bytes:
    if not isinstance(secret, bytes) or len(secret) < _MIN_SECRET_LEN:
        raise ValueError(f"the secret must be at least {_MIN_SECRET_LEN} bytes")
    if not label:
        raise ValueError("a derivation needs a label")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=b"confide/derive/v1\0" + label).derive(secret)


def derive_scope_key(secret: bytes, label: bytes) -> ScopeKey:
    """An AES-256-GCM key (with a stable key id) for one purpose, derived from `secret`."""
    material = _derive(secret, label, KEY_ID_LEN + SCOPE_KEY_LEN)
    return ScopeKey(key_id=material[:KEY_ID_LEN], secret=material[KEY_ID_LEN:])


def keyed_digest(secret: bytes, label: bytes, message: bytes) -> str:
    """HMAC-SHA256 of `message` under a key derived from `secret` for `label`, in hex."""
    return hmac.new(_derive(secret, label + b"/hmac", 32), message, hashlib.sha256).hexdigest()


def turn_rest_password(secret: bytes, username: str) -> str:
    """The password of a time-limited TURN credential (the "TURN REST API" scheme coturn implements).

    coturn's `use-auth-secret` mode checks base64(HMAC-SHA1(static-auth-secret, username)), where
    the username is `<expiry unix time>:<id>`. SHA-1 is what coturn computes; as an HMAC it only
    authenticates a short-lived relay allocation, it protects no record.
    """
    if not secret:
        raise ValueError("a TURN secret is required")
    mac = hmac.new(secret, username.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(mac).decode("ascii")
