"""Release links: a disclosure packet sealed under its own key, opened by a link token.

A packet gets a fresh random `ScopeKey`. The packet is sealed under it with `seal_field`; the
packet key itself is sealed under a *link key* derived (HKDF-SHA256, its own label) from the
random token in the recipient's link. The server stores neither the token nor the link key, so
the database alone opens no packet; the passcode check (Argon2id, in the app) is a second lock.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.crypto.context import SealContext
from confide.crypto.format import KEY_ID_LEN
from confide.crypto.keys import SCOPE_KEY_LEN, ScopeKey
from confide.crypto.recipes import open_field, seal_field

__all__ = ["link_key_from_token", "open_packet_key", "seal_packet_key"]

_LABEL = b"confide/release-link/v1"
MIN_TOKEN_BYTES = 32


def link_key_from_token(token: bytes) -> ScopeKey:
    """Derive the key that seals a packet's key from a release link's random token (>= 32 bytes)."""
    if not isinstance(token, bytes) or len(token) < MIN_TOKEN_BYTES:
        raise ValueError(f"a release link token must be at least {MIN_TOKEN_BYTES} random bytes")
    secret = HKDF(algorithm=hashes.SHA256(), length=SCOPE_KEY_LEN, salt=None, info=_LABEL).derive(token)
    key_id = hashlib.sha256(_LABEL + b"\0id\0" + secret).digest()[:KEY_ID_LEN]
    return ScopeKey(key_id=key_id, secret=secret)


def seal_packet_key(link_key: ScopeKey, packet_key: ScopeKey, context: SealContext) -> bytes:
    """Seal a packet key (id and secret) under a link key, bound to `context`."""
    return seal_field(link_key, packet_key.key_id + packet_key.secret, context)


def open_packet_key(link_key: ScopeKey, blob: bytes, context: SealContext) -> ScopeKey:
    """Open a packet key sealed by `seal_packet_key`; `IntegrityError`/`WrongKeyError` as `open_field`."""
    raw = open_field(link_key, blob, context)
    return ScopeKey(key_id=raw[:KEY_ID_LEN], secret=raw[KEY_ID_LEN:])
