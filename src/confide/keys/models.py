"""Stored key material. Every private key here is wrapped; none is ever stored in the clear."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class RecoveryKey(models.Model):
    """The practice recovery key: its public half, and its private half sealed under the paper kit.

    The private key opens only with `threshold` of the printed shares, none of which is stored.
    """

    practice = models.OneToOneField("practice.Practice", on_delete=models.CASCADE, related_name="recovery_key")
    kit_id = models.CharField(max_length=64, unique=True)
    threshold = models.PositiveSmallIntegerField()
    share_count = models.PositiveSmallIntegerField()
    public_key = models.BinaryField()
    fingerprint = models.CharField(max_length=64)
    encrypted_private_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Recovery key {self.kit_id[:8]} ({self.threshold}-of-{self.share_count})"


class UserKeyPair(models.Model):
    """A person's HPKE key pair: the public key, and the private key wrapped twice.

    `password_wrap` opens with the person's password (Argon2id); `recovery_wrap` opens with
    the practice recovery key, so a forgotten password or a departed clinician loses nothing.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_pair")
    public_key = models.BinaryField()
    fingerprint = models.CharField(max_length=64)
    password_wrap = models.BinaryField()
    recovery_wrap = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Key pair of {self.user_id} ({self.fingerprint})"


class ScopeKeyVersion(models.Model):
    """One version of a client's scope key. Only its wraps are stored; the key itself never is.

    The newest version that is not retired seals new writes; retired versions still open what
    they sealed. `author` is set for the private scope (psychotherapy notes), which has one key
    per author.
    """

    class Scope(models.TextChoices):
        ADMIN = "admin", "Demographics and appointments"
        CLINICAL = "clinical", "Clinical record"
        PRIVATE = "private", "Psychotherapy notes"
        PORTAL = "portal", "Shared with the client"
        CONSULTATION = "consultation", "A de-identified consultation summary"

    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="scope_keys")
    scope = models.CharField(max_length=16, choices=Scope.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    key_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "scope", "retired_at"])]

    def __str__(self) -> str:
        return f"{self.scope} key {self.key_id[:8]}"


class KeyWrap(models.Model):
    """A scope key version wrapped to one person's public key, or to the practice recovery key."""

    key_version = models.ForeignKey(ScopeKeyVersion, on_delete=models.CASCADE, related_name="wraps")
    # Null means the wrap is to the practice recovery key.
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="key_wraps")
    blob = models.BinaryField()
    # The same key wrapped under the recipient's keyring (crypto/keyring.py), written the first
    # time they open it: later opens cost one AES-GCM decryption instead of a KEM decapsulation.
    keyring_blob = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_version", "recipient"], name="one_wrap_per_recipient")]

    def __str__(self) -> str:
        return f"wrap of {self.key_version_id} to {self.recipient_id or 'recovery'}"


class PersonalAccessToken(models.Model):
    """An API token. Its secret opens a wrap of the owner's private key; only a hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    lookup_hash = models.CharField(max_length=64, unique=True)
    private_key_wrap = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.name!r} of {self.user_id}"
