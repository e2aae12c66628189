"""What is remembered about backups: when each was made, how big it was and its checksum."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class BackupRun(models.Model):
    """One archive written by `confide backup create`. Holds no path, only facts to warn on."""

    created_at = models.DateTimeField(default=timezone.now)
    archive_sha256 = models.CharField(max_length=64)
    archive_bytes = models.PositiveBigIntegerField()
    database_vendor = models.CharField(max_length=16)
    recipient_fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Backup of {self.created_at:%Y-%m-%d %H:%M}"
