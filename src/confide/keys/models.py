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
