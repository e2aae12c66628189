"""The owner's confirmation that they reviewed the practice's jurisdiction pack."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from confide.practice.models import Practice


class PackConfirmation(models.Model):
    """Which pack, in which version (its fingerprint), the owner reviewed and confirmed, and when.

    A pack whose file changes gets a new fingerprint, so the stored confirmation no longer matches
    and Confide asks the owner to review it again.
    """

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="pack_confirmation")
    code = models.CharField(max_length=16)
    fingerprint = models.CharField(max_length=64)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.code} confirmed {self.confirmed_at:%Y-%m-%d}"
