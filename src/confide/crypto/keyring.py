"""A person's keyring: symmetric wraps of scope keys that only that person can open.

HPKE wraps are what others use to give someone a key, and they cost a KEM decapsulation each
(about 85 µs with ML-KEM-768 + X25519). Once a person has opened a scope key, they keep a second
wrap of it under their *keyring key*, derived from their own private key with HKDF; opening it is
one AES-256-GCM decryption (a few µs). The keyring key is never stored: whoever can derive it
already holds the private key that opens the HPKE wrap, so the keyring adds speed, not access.
It is post-quantum safe (AES-256), bound to the same context as the HPKE wrap, and changes when
the person gets a new key pair, which makes every old keyring wrap unreadable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from enum import IntEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.crypto.context import WrapContext
from confide.crypto.errors import IntegrityError, WrongKeyError
from confide.crypto.format import KEY_ID_LEN, NONCE_LEN, TAG_LEN, Kind, encode_header, parse_header
from confide.crypto.keys import ScopeKey, UserPrivateKey, unsafe_serialize_private_key

__all__ = ["Keyring", "keyring_for", "unwrap_key_from_keyring", "wrap_key_to_keyring"]

_LABEL = b"confide/keyring/v1"
_SCOPE_KEY_LEN = 32


class _KeyringAlgorithm(IntEnum):
    AES_256_GCM = 1


@dataclass(frozen=True)
class Keyring:
    """A person's keyring key and its id. The key bytes never appear in `repr`."""

    keyring_id: bytes
    secret: bytes = field(repr=False)


def keyring_for(private_key: UserPrivateKey) -> Keyring:
    """Derive the keyring key of a private key (HKDF-SHA256 with its own label)."""
    secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(
        unsafe_serialize_private_key(private_key))
    keyring_id = hashlib.sha256(_LABEL + b"\0id\0" + secret).digest()[:KEY_ID_LEN]
    return Keyring(keyring_id=keyring_id, secret=secret)


def wrap_key_to_keyring(keyring: Keyring, key: ScopeKey, context: WrapContext) -> bytes:
    """Wrap a scope key under a keyring key, bound to `context` (the same context as its HPKE wrap)."""
    if not isinstance(context, WrapContext):
        raise TypeError("context must be a WrapContext")
    header = encode_header(Kind.SCOPE_KEY_SELF_WRAP, _KeyringAlgorithm.AES_256_GCM) + keyring.keyring_id + key.key_id
    nonce = os.urandom(NONCE_LEN)
    return header + nonce + AESGCM(keyring.secret).encrypt(nonce, key.secret, header + context.encode())


def unwrap_key_from_keyring(keyring: Keyring, blob: bytes, context: WrapContext) -> ScopeKey:
    """Open a keyring wrap. `WrongKeyError` for another person's keyring; `IntegrityError` if altered."""
    if not isinstance(context, WrapContext):
        raise TypeError("context must be a WrapContext")
    _, reader = parse_header(blob, Kind.SCOPE_KEY_SELF_WRAP, set(_KeyringAlgorithm))
    keyring_id = reader.take(KEY_ID_LEN)
    key_id = reader.take(KEY_ID_LEN)
    header = reader.consumed
    nonce = reader.take(NONCE_LEN)
    ciphertext = reader.rest(TAG_LEN)
    if not hmac.compare_digest(keyring_id, keyring.keyring_id):
        raise WrongKeyError("the keyring wrap belongs to another keyring")
    try:
        secret = AESGCM(keyring.secret).decrypt(nonce, ciphertext, header + context.encode())
    except InvalidTag:
        raise IntegrityError("the keyring wrap failed authentication: it was altered or moved") from None
    if len(secret) != _SCOPE_KEY_LEN:
        raise IntegrityError("the keyring wrap holds no scope key")
    return ScopeKey(key_id=key_id, secret=secret)
