"""Key services: provisioning key pairs, the recovery kit, and re-wrapping on password change."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from confide import crypto
from confide.keys.models import KeyWrap, PersonalAccessToken, RecoveryKey, UserKeyPair


class KeyServiceError(Exception):
    """A key operation that cannot proceed; the message is safe to show."""


def kdf_params() -> crypto.KdfParams:
    """Argon2id parameters for password wraps, from settings."""
    if settings.CONFIDE_KDF_PROFILE == "unsafe-test":
        return crypto.KdfParams.unsafe_for_tests()
    return crypto.KdfParams(memory_kib=settings.CONFIDE_KDF_MEMORY_KIB, iterations=settings.CONFIDE_KDF_ITERATIONS)


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


def provision_user_keys(user_id: int, practice_id: int, password: str) -> UserKeyPair:
    """Give a new person a key pair, wrapped under their password and to the practice recovery key."""
    recovery = RecoveryKey.objects.get(practice_id=practice_id)
    private_key = crypto.generate_user_keypair()
    owner = str(user_id)
    return UserKeyPair.objects.create(
        user_id=user_id,
        public_key=crypto.serialize_public_key(private_key.public_key()),
        fingerprint=crypto.fingerprint(private_key.public_key()),
        password_wrap=crypto.wrap_private_key_with_password(private_key, password, owner_id=owner, params=kdf_params()),
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
    """Re-wrap the private key under a new password. Nothing sealed with the key changes."""
    pair = UserKeyPair.objects.select_for_update().get(user_id=user_id)
    private_key = crypto.unwrap_private_key_with_password(
        bytes(pair.password_wrap), old_password, owner_id=str(user_id)
    )
    pair.password_wrap = crypto.wrap_private_key_with_password(
        private_key, new_password, owner_id=str(user_id), params=kdf_params()
    )
    pair.save(update_fields=["password_wrap"])


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
