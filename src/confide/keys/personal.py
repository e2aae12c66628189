"""Secrets sealed to one person's key pair, opened only with their unlocked private key.

Second-factor secrets (TOTP seeds, recovery-code seeds) used to sit in the clear in
`mfa_authenticator.data`, so a copy of the database computed the second factor. They are now
sealed to the person's public key (HPKE wrap of a fresh AES-256-GCM key, through the recipes of
`confide.crypto`), so only the person's private key opens them, and that key opens only with
their password (at sign-in), a session secret or the practice recovery kit (ADR 0013).

A sealed secret is one ASCII string::

    cfs1.<user id>.<purpose>.<base64 key wrap>.<base64 sealed value>

The user id and purpose are bound into the wrap and the sealed value, so a string moved to
another person or another purpose fails to open.
"""

from __future__ import annotations

import base64

from allauth.mfa.models import Authenticator

from confide import crypto
from confide.keys.models import UserKeyPair

PREFIX = "cfs1"
_PRACTICE = "personal"


class SealedSecretError(Exception):
    """A sealed secret is malformed, was altered, or cannot be opened with the key at hand."""


def _contexts(user_id: int, purpose: str) -> tuple[crypto.WrapContext, crypto.SealContext]:
    owner = f"user:{user_id}"
    wrap = crypto.WrapContext(practice_id=_PRACTICE, client_id=owner, scope=crypto.Scope.PRIVATE,
                              recipient_id=owner)
    seal = crypto.SealContext(practice_id=_PRACTICE, client_id=owner, record_type="personal-secret",
                              record_id=purpose, field="value", version=1, scope=crypto.Scope.PRIVATE)
    return wrap, seal


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_sealed(text: object) -> bool:
    """Whether a stored value is a sealed secret (and not, say, a plaintext seed)."""
    return isinstance(text, str) and text.startswith(PREFIX + ".")


def seal_to(public_key: crypto.UserPublicKey, user_id: int, purpose: str, value: str) -> str:
    """Seal `value` so that only the holder of `user_id`'s private key opens it."""
    if not purpose.isidentifier():
        raise ValueError("purpose must be a plain identifier")
    wrap_context, seal_context = _contexts(user_id, purpose)
    key = crypto.ScopeKey.generate()
    wrap = crypto.wrap_key_to(public_key, key, wrap_context)
    sealed = crypto.seal_field(key, value.encode("utf-8"), seal_context)
    return ".".join((PREFIX, str(user_id), purpose, _b64(wrap), _b64(sealed)))


def seal_to_person(user_id: int, purpose: str, value: str) -> str:
    """Seal `value` to the person's current public key. Raises `SealedSecretError` without one."""
    pair = UserKeyPair.objects.filter(user_id=user_id).first()
    if pair is None:
        raise SealedSecretError("this person has no key pair to seal a secret to")
    return seal_to(crypto.load_public_key(bytes(pair.public_key)), user_id, purpose, value)


def owner_of(text: str) -> int:
    """The user id a sealed secret names (not authenticated until it is opened)."""
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != PREFIX or not parts[1].isdigit():
        raise SealedSecretError("not a sealed secret")
    return int(parts[1])


def open_sealed(private_key: crypto.UserPrivateKey, text: str) -> str:
    """Open a sealed secret with its owner's private key. Raises `SealedSecretError`."""
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != PREFIX or not parts[1].isdigit():
        raise SealedSecretError("not a sealed secret")
    user_id, purpose = int(parts[1]), parts[2]
    try:
        wrap_context, seal_context = _contexts(user_id, purpose)
        key = crypto.unwrap_key(private_key, _unb64(parts[3]), wrap_context)
        return crypto.open_field(key, _unb64(parts[4]), seal_context).decode("utf-8")
    except (ValueError, TypeError, UnicodeDecodeError, crypto.CryptoError):
        raise SealedSecretError("the sealed secret does not open with this key") from None


def reseal(text: str, old_private: crypto.UserPrivateKey, new_public: crypto.UserPublicKey) -> str:
    """Open with the old private key and seal again to a new public key (a new key pair)."""
    parts = text.split(".")
    return seal_to(new_public, owner_of(text), parts[2], open_sealed(old_private, text))


def reseal_all_of(user_id: int, old_private: crypto.UserPrivateKey, new_public: crypto.UserPublicKey) -> int:
    """Seal every secret stored for `user_id` (their second factors) to a new public key.

    Secrets that no longer open with the old key are left alone (they open for nobody).
    Returns how many rows changed.
    """
    changed = 0
    for row in Authenticator.objects.filter(user_id=user_id):
        data = dict(row.data or {})
        touched = False
        for name, value in list(data.items()):
            values = value if isinstance(value, list) else [value]
            renewed = []
            for item in values:
                if is_sealed(item):
                    try:
                        item = reseal(item, old_private, new_public)
                        touched = True
                    except SealedSecretError:
                        pass
                renewed.append(item)
            if touched:
                data[name] = renewed if isinstance(value, list) else renewed[0]
        if touched:
            Authenticator.objects.filter(pk=row.pk).update(data=data)
            changed += 1
    return changed
