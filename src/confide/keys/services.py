"""Key services: provisioning key pairs, the recovery kit, and re-wrapping on password change."""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from confide import crypto
from confide.keys.models import KeyWrap, PersonalAccessToken, RecoveryKey, UserKeyPair

# The password hash of `confide.keys.passwords.ConfidePasswordHasher` (ADR 0022).


class KeyServiceError(Exception):
    """A key operation that cannot proceed; the message is safe to show."""


# Within this block a password's Argon2id is computed once (a sign-in, a new account, ADR 0022).
password_derivations = crypto.password_derivations


def kdf_params() -> crypto.KdfParams:
    """Argon2id parameters for password wraps, from settings."""
    if settings.CONFIDE_KDF_PROFILE == "unsafe-test":
        return crypto.KdfParams.unsafe_for_tests()
    return crypto.KdfParams(memory_kib=settings.CONFIDE_KDF_MEMORY_KIB, iterations=settings.CONFIDE_KDF_ITERATIONS)


ALGORITHM = "confide_argon2id"
_VERSION = "v=2"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def parse_hash(encoded: object) -> tuple[bytes, crypto.KdfParams, bytes] | None:
    """(salt, parameters, verifier) of a hash made by this hasher, or None for any other string."""
    if not isinstance(encoded, str):
        return None
    parts = encoded.split("$")
    if len(parts) != 5 or parts[0] != ALGORITHM or parts[1] != _VERSION:
        return None
    try:
        fields = dict(item.split("=", 1) for item in parts[2].split(","))
        params = crypto.KdfParams(int(fields["m"]), int(fields["t"]), int(fields["p"]), unsafe_allow_weak=True)
        salt, verifier = _unb64(parts[3]), _unb64(parts[4])
    except (ValueError, KeyError, TypeError):
        return None
    if len(salt) != 16 or len(verifier) != 32:
        return None
    return salt, params, verifier


def encode_hash(derivation: crypto.PasswordDerivation) -> str:
    p = derivation.params
    return (f"{ALGORITHM}${_VERSION}$m={p.memory_kib},t={p.iterations},p={p.parallelism}"
            f"${_b64(derivation.salt)}${_b64(derivation.verifier)}")


def wrap_for_hash(encoded: str, private_key: crypto.UserPrivateKey, password: str, *, owner_id: str) -> bytes:
    """Wrap `private_key` under the derivation behind `encoded` (this hasher's hash of `password`).

    Inside `crypto.password_derivations()`, right after the hash was made or checked, this costs
    no Argon2id. A hash of another hasher (or none) gets a wrap of its own fresh derivation.
    """
    parsed = parse_hash(encoded)
    if parsed is None:
        derivation = crypto.derive_password(password, params=kdf_params())
    else:
        salt, params, _ = parsed
        derivation = crypto.derive_password(password, salt=salt, params=params)
    return crypto.wrap_private_key_with_derivation(private_key, derivation, owner_id=owner_id)


def wrap_follows_hash(wrap: bytes, encoded: str) -> bool:
    """Whether a password wrap opens from the same derivation as the hash (no second Argon2id)."""
    parsed = parse_hash(encoded)
    if parsed is None:
        return False
    try:
        algorithm, salt, params = crypto.password_wrap_salt(wrap)
    except crypto.CryptoError:
        return False
    return algorithm == 2 and hmac.compare_digest(salt, parsed[0]) and params == parsed[1]


def unlock_and_follow_hash(user: Any, password: str) -> crypto.UserPrivateKey:
    """Open the person's key with the password just checked, and move its wrap onto the hash.

    Call inside `crypto.password_derivations()` after the hasher checked `password`: a wrap that
    already follows the hash opens with no Argon2id; one that does not (an algorithm 1 wrap, a
    hash made since) opens with its own and is wrapped again under the hash's derivation, so the
    next sign-in costs one. Raises `crypto.WrongPasswordError` and `UserKeyPair.DoesNotExist`.
    """
    pair = UserKeyPair.objects.get(user_id=user.pk)
    wrap = bytes(pair.password_wrap)
    private = crypto.unwrap_private_key_with_password(wrap, password, owner_id=str(user.pk))
    encoded = str(user.password or "")
    if parse_hash(encoded) is not None and not wrap_follows_hash(wrap, encoded):
        renewed = wrap_for_hash(encoded, private, password, owner_id=str(user.pk))
        UserKeyPair.objects.filter(pk=pair.pk, password_wrap=pair.password_wrap).update(password_wrap=renewed)
    return private


@dataclass(frozen=True)
class NewRecoveryKit:
    """A freshly created kit. The shares exist only here: print them, then drop this object."""

    record: RecoveryKey
    shares: tuple[str, ...]


def create_recovery_key(practice_id: int, *, threshold: int, share_count: int) -> NewRecoveryKit:
    """Create the practice recovery key and split it into `share_count` shares, `threshold` to open."""
    try:
        kit = crypto.create_recovery_kit(threshold, share_count)
    except ValueError as exc:
        raise KeyServiceError(f"The recovery kit needs 2 <= threshold <= shares ({exc}).") from None
    record = RecoveryKey.objects.create(
        practice_id=practice_id,
        kit_id=kit.kit_id,
        threshold=kit.threshold,
        share_count=kit.share_count,
        public_key=crypto.serialize_public_key(kit.public_key),
        fingerprint=crypto.fingerprint(kit.public_key),
        encrypted_private_key=kit.encrypted_private_key,
    )
    return NewRecoveryKit(record=record, shares=kit.shares)


def _password_hash_of(user_id: int) -> str:
    return str(get_user_model().objects.filter(pk=user_id).values_list("password", flat=True).first() or "")


def provision_user_keys(user_id: int, practice_id: int, password: str) -> UserKeyPair:
    """Give a new person a key pair, wrapped under their password and to the practice recovery key.

    The password wrap follows the person's password hash (one derivation for both, ADR 0022):
    set the password first, inside `crypto.password_derivations()`, and this costs no Argon2id.
    """
    recovery = RecoveryKey.objects.get(practice_id=practice_id)
    private_key = crypto.generate_user_keypair()
    owner = str(user_id)
    return UserKeyPair.objects.create(
        user_id=user_id,
        public_key=crypto.serialize_public_key(private_key.public_key()),
        fingerprint=crypto.fingerprint(private_key.public_key()),
        password_wrap=wrap_for_hash(_password_hash_of(user_id), private_key, password, owner_id=owner),
        recovery_wrap=crypto.wrap_private_key_to(
            crypto.load_public_key(bytes(recovery.public_key)), private_key, owner_id=owner
        ),
    )


def replace_user_keys(user_id: int, practice_id: int, password: str) -> UserKeyPair:
    """Give a person a brand-new key pair under a new password, forgetting the old one entirely.

    For a portal client who forgot their password (ADR 0023): nothing can open the old private key
    without the recovery kit, so every scope key wrapped to it is dropped here, and the new key pair
    opens nothing until someone who holds those scope keys wraps them to it again. Returns the new pair.
    """
    recovery = RecoveryKey.objects.get(practice_id=practice_id)
    private_key = crypto.generate_user_keypair()
    owner = str(user_id)
    pair = UserKeyPair.objects.select_for_update().get(user_id=user_id)
    pair.public_key = crypto.serialize_public_key(private_key.public_key())
    pair.fingerprint = crypto.fingerprint(private_key.public_key())
    pair.password_wrap = crypto.wrap_private_key_with_password(private_key, password, owner_id=owner,
                                                               params=kdf_params())
    pair.recovery_wrap = crypto.wrap_private_key_to(crypto.load_public_key(bytes(recovery.public_key)), private_key,
                                                    owner_id=owner)
    pair.save()
    KeyWrap.objects.filter(recipient_id=user_id).delete()
    PersonalAccessToken.objects.filter(user_id=user_id).delete()
    return pair


def unlock_private_key(user_id: int, password: str) -> crypto.UserPrivateKey:
    """Open a person's private key with their password. Raises `crypto.WrongPasswordError`."""
    pair = UserKeyPair.objects.get(user_id=user_id)
    return crypto.unwrap_private_key_with_password(bytes(pair.password_wrap), password, owner_id=str(user_id))


@transaction.atomic
def rewrap_private_key(user_id: int, old_password: str, new_password: str) -> None:
    """Re-wrap the private key under a new password. Nothing sealed with the key changes.

    The new wrap follows the person's current password hash when it is a hash of
    `new_password` (set the password first); otherwise it gets a derivation of its own.
    """
    pair = UserKeyPair.objects.select_for_update().get(user_id=user_id)
    private_key = crypto.unwrap_private_key_with_password(
        bytes(pair.password_wrap), old_password, owner_id=str(user_id)
    )
    pair.password_wrap = password_wrap(user_id, private_key, new_password)
    pair.save(update_fields=["password_wrap"])


def password_wrap(user_id: int, private_key: crypto.UserPrivateKey, password: str) -> bytes:
    """A password wrap of `private_key` for `password`, on the stored hash's derivation if it is one of it."""
    encoded = _password_hash_of(user_id)
    parsed = parse_hash(encoded)
    if parsed is not None:
        salt, params, verifier = parsed
        derivation = crypto.derive_password(password, salt=salt, params=params)
        if hmac.compare_digest(derivation.verifier, verifier):
            return crypto.wrap_private_key_with_derivation(private_key, derivation, owner_id=str(user_id))
    return crypto.wrap_private_key_with_derivation(private_key, crypto.derive_password(password, params=kdf_params()),
                                                   owner_id=str(user_id))


def recover_private_key(user_id: int, shares: list[str]) -> crypto.UserPrivateKey:
    """Open a person's private key with k recovery shares (for reassignment or a forgotten password)."""
    pair = UserKeyPair.objects.select_related("user").get(user_id=user_id)
    recovery = RecoveryKey.objects.get(practice__memberships__user_id=user_id)
    recovery_private = crypto.open_recovery_private_key(bytes(recovery.encrypted_private_key), shares)
    return crypto.unwrap_private_key_from(recovery_private, bytes(pair.recovery_wrap), owner_id=str(user_id))


_KIT_TEXT = """CONFIDE PRACTICE RECOVERY KIT — SHARE {index} OF {count}

Practice: {practice}
Kit id: {kit_id}
Recovery key fingerprint: {fingerprint}
Shares needed to recover: {threshold} of {count}

Keep this page somewhere safe and offline, apart from the other shares, for example in a
sealed envelope in a locked drawer or a safe. Give each share to a different trusted person.

With {threshold} shares, the practice can recover client records when a clinician leaves or
forgets their password. Fewer than {threshold} shares reveal nothing. Anyone holding
{threshold} shares AND a copy of the practice's database could read every record: never keep
{threshold} shares together, and never store them with the database or its backups.

Your share (type it exactly; spaces and case do not matter):

    {share}

Instructions: docs/recovery.md in the Confide documentation (`confide recovery --help`).
"""


def write_recovery_kit(kit: NewRecoveryKit, practice_name: str, directory: Path) -> list[Path]:
    """Write one printable text file per share into `directory` (created 0700; files 0600)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    paths = []
    for index, share in enumerate(kit.shares, start=1):
        path = directory / f"recovery-share-{index}-of-{kit.record.share_count}.txt"
        text = _KIT_TEXT.format(
            index=index,
            count=kit.record.share_count,
            practice=practice_name,
            kit_id=kit.record.kit_id,
            fingerprint=kit.record.fingerprint,
            threshold=kit.record.threshold,
            share=share,
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        paths.append(path)
    return paths
