"""Recipes for sealing record fields and wrapping scope keys to people.

Sealed field layout (kind 1, algorithm 1 = AES-256-GCM)::

    header(5) | scope key id(16) | nonce(12) | ciphertext | tag(16)

The associated data is ``header | key id | SealContext.encode()``.

Scope key wrap layout (kind 2, algorithm = `KeySuite`)::

    header(5) | recipient key id(16) | scope key id(16) | HPKE enc | ciphertext | tag(16)

The HPKE ``info`` is ``header | recipient key id | scope key id |
WrapContext.encode()``; the plaintext is the 32 key bytes.
"""

from __future__ import annotations

import hmac
import os
from enum import IntEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from confide.crypto.context import SealContext, WrapContext
from confide.crypto.errors import IntegrityError, WrongKeyError
from confide.crypto.format import (
    KEY_ID_LEN,
    NONCE_LEN,
    TAG_LEN,
    Kind,
    Reader,
    encode_header,
    parse_header,
)
from confide.crypto.keys import (
    SCOPE_KEY_LEN,
    KeySuite,
    ScopeKey,
    UserPrivateKey,
    UserPublicKey,
    hpke_min_sealed_len,
    hpke_suite,
)

__all__ = [
    "SECRET_LEN",
    "new_secret",
    "open_field",
    "reseal_field",
    "seal_field",
    "sealed_key_id",
    "unwrap_key",
    "wrap_key_to",
]

SECRET_LEN = 32


class _SealAlgorithm(IntEnum):
    """Algorithm ids for sealed fields."""

    AES_256_GCM = 1


def new_secret() -> bytes:
    """Return 32 random bytes from the operating system, for session secrets and tokens."""
    return os.urandom(SECRET_LEN)


def seal_field(key: ScopeKey, plaintext: bytes, context: SealContext) -> bytes:
    """Encrypt one field's value under a scope key, bound to ``context``.

    The result opens only with the same key and an equal context; see
    `open_field`. A fresh random nonce is used every time.
    """
    return _seal_with_nonce(key, plaintext, context, os.urandom(NONCE_LEN))


def _seal_with_nonce(key: ScopeKey, plaintext: bytes, context: SealContext, nonce: bytes) -> bytes:
    """Seal with a given nonce. Only known-answer tests may call this directly."""
    if not isinstance(context, SealContext):
        raise TypeError("context must be a SealContext")
    if len(nonce) != NONCE_LEN:
        raise ValueError(f"nonce must be {NONCE_LEN} bytes")
    header = encode_header(Kind.SEALED_FIELD, _SealAlgorithm.AES_256_GCM) + key.key_id
    ciphertext = AESGCM(key.secret).encrypt(nonce, plaintext, header + context.encode())
    return header + nonce + ciphertext


def _parse_sealed(blob: bytes) -> tuple[bytes, Reader]:
    """Parse a sealed field's header and return its key id and a reader at the nonce."""
    _, reader = parse_header(blob, Kind.SEALED_FIELD, set(_SealAlgorithm))
    key_id = reader.take(KEY_ID_LEN)
    return key_id, reader


def sealed_key_id(blob: bytes) -> bytes:
    """Return the id of the scope key a sealed field needs, without opening it.

    Use it to fetch the right key version after a rotation. The id is not
    authenticated until the field is opened.
    """
    key_id, _ = _parse_sealed(blob)
    return key_id


def open_field(key: ScopeKey, blob: bytes, context: SealContext) -> bytes:
    """Decrypt a field sealed by `seal_field` and return its plaintext.

    Raises `WrongKeyError` when the blob names another key, and
    `IntegrityError` when it was altered, truncated, has an unknown format,
    or was sealed for a different context.
    """
    if not isinstance(context, SealContext):
        raise TypeError("context must be a SealContext")
    key_id, reader = _parse_sealed(blob)
    header = reader.consumed
    nonce = reader.take(NONCE_LEN)
    ciphertext = reader.rest(TAG_LEN)
    if not hmac.compare_digest(key_id, key.key_id):
        raise WrongKeyError("the sealed field names a different scope key")
    try:
        return AESGCM(key.secret).decrypt(nonce, ciphertext, header + context.encode())
    except InvalidTag:
        raise IntegrityError(
            "the sealed field failed authentication: it was altered or moved from its context"
        ) from None


def reseal_field(
    blob: bytes,
    context: SealContext,
    *,
    old_key: ScopeKey,
    new_key: ScopeKey,
    new_context: SealContext | None = None,
) -> bytes:
    """Open a field with ``old_key`` and seal it again under ``new_key``.

    Used when a scope key is rotated, and (with ``new_context``) when a
    field's context changes, for example when a record gets a new version.
    """
    plaintext = open_field(old_key, blob, context)
    return seal_field(new_key, plaintext, new_context or context)


def wrap_key_to(recipient: UserPublicKey, key: ScopeKey, context: WrapContext) -> bytes:
    """Wrap a scope key to a recipient's public key with HPKE.

    The wrap binds the recipient's key id, the scope key's id and
    ``context``; it opens only with `unwrap_key`, the matching private key
    and an equal context.
    """
    if not isinstance(context, WrapContext):
        raise TypeError("context must be a WrapContext")
    header = encode_header(Kind.SCOPE_KEY_WRAP, recipient.suite) + recipient.key_id + key.key_id
    sealed = hpke_suite(recipient.suite).encrypt(
        key.secret, recipient.hpke_key, info=header + context.encode()
    )
    return header + sealed


def unwrap_key(private_key: UserPrivateKey, blob: bytes, context: WrapContext) -> ScopeKey:
    """Unwrap a scope key wrapped by `wrap_key_to`.

    Raises `WrongKeyError` when the wrap is addressed to another key pair,
    and `IntegrityError` when it was altered or the context differs.
    """
    if not isinstance(context, WrapContext):
        raise TypeError("context must be a WrapContext")
    suite_id, reader = parse_header(blob, Kind.SCOPE_KEY_WRAP, set(KeySuite))
    suite = KeySuite(suite_id)
    recipient_key_id = reader.take(KEY_ID_LEN)
    key_id = reader.take(KEY_ID_LEN)
    info = reader.consumed + context.encode()
    sealed = reader.rest(hpke_min_sealed_len(suite))
    public = private_key.public_key()
    if suite is not private_key.suite or not hmac.compare_digest(recipient_key_id, public.key_id):
        raise WrongKeyError("the key wrap is addressed to a different key pair")
    try:
        secret = hpke_suite(suite).decrypt(sealed, private_key.hpke_key, info=info)
    except InvalidTag:
        raise IntegrityError(
            "the key wrap failed authentication: it was altered or moved from its context"
        ) from None
    if len(secret) != SCOPE_KEY_LEN:
        raise IntegrityError("the key wrap holds a key of the wrong length")
    return ScopeKey(key_id=key_id, secret=secret)
