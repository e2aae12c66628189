"""Second-factor secrets sealed under each person's own key (ADR 0013).

allauth keeps a TOTP seed (`data["secret"]`) and a recovery-code seed (`data["seed"]`, and
`data["migrated_codes"]`) in `mfa_authenticator.data`. A `pre_save` receiver seals each one to
the person's public key before the row is written, so nothing in the database computes a code.
The MFA adapter's `decrypt` opens them with the private key the person unlocked with their
password moments before, at the password step of sign-in (kept wrapped in their session). A
copy of the database, the data directory and the secret key therefore yields no second factor.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from allauth.core import context

from confide import crypto
from confide.keys import personal
from confide.keys import web as vault_web

logger = logging.getLogger(__name__)

SEALED_FIELDS = ("secret", "seed")
_PURPOSES = {"secret": "mfa_totp", "seed": "mfa_recovery", "migrated_codes": "mfa_recovery_code"}

_UNSEALING: ContextVar[crypto.UserPrivateKey | None] = ContextVar("confide_mfa_unsealing", default=None)


@contextmanager
def unsealing_with(private_key: crypto.UserPrivateKey) -> Iterator[None]:
    """Open second-factor secrets with this private key inside the block (CLI, recovery, tests)."""
    token = _UNSEALING.set(private_key)
    try:
        yield
    finally:
        _UNSEALING.reset(token)


def seal_authenticator_data(user_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with every second-factor secret sealed to the person (sealed ones are kept)."""
    sealed = dict(data)
    for name in SEALED_FIELDS:
        value = sealed.get(name)
        if isinstance(value, str) and not personal.is_sealed(value):
            sealed[name] = personal.seal_to_person(user_id, _PURPOSES[name], value)
    codes = sealed.get("migrated_codes")
    if isinstance(codes, list):
        sealed["migrated_codes"] = [
            code if personal.is_sealed(code) else personal.seal_to_person(user_id, _PURPOSES["migrated_codes"], code)
            for code in codes
        ]
    return sealed


def seal_before_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    """`pre_save` of allauth's Authenticator: never write a second-factor secret in the clear."""
    if isinstance(instance.data, dict):
        instance.data = seal_authenticator_data(int(instance.user_id), instance.data)


def _unusable_like(text: str) -> str:
    """A fresh random secret nobody knows: codes computed from it match no one's authenticator.

    A TOTP seed is base32; a recovery-code seed (or migrated code) is anything else.
    """
    parts = text.split(".")
    totp = parts[2] == _PURPOSES["secret"] if personal.is_sealed(text) and len(parts) > 2 else (
        bool(text) and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=" for c in text))
    return base64.b32encode(os.urandom(20)).decode("ascii") if totp else secrets.token_hex(40)


def open_secret(text: str) -> str:
    """Open a sealed second-factor secret with the key unlocked for this request.

    Without that key (a sign-in from a copied database, a passkey-only session, a plaintext
    value written behind Confide's back) the answer is a random secret, so no code validates.
    """
    if not personal.is_sealed(text):
        logger.warning("A second-factor secret was not sealed; it is refused.")
        return _unusable_like(text)
    try:
        owner = personal.owner_of(text)
    except personal.SealedSecretError:
        return _unusable_like(text)
    private = _UNSEALING.get()
    if private is None:
        request = context.request
        private = vault_web.private_key_in_session(request, owner) if request is not None else None
    if private is None:
        return _unusable_like(text)
    try:
        return personal.open_sealed(private, text)
    except personal.SealedSecretError:
        logger.warning("A second-factor secret did not open with its owner's key.")
        return _unusable_like(text)
