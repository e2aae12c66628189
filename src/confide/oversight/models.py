"""Break-glass holders, their emergency wraps and sessions; alerts for the owner and what feeds them.

Nothing here names a client in the clear: sessions point at the client row, and the stated
reason is sealed under the client's admin scope key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class EmergencyAccessHolder(models.Model):
    """A person the owner designated to open any client's record in an emergency (break-glass)."""

    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="emergency_holders")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emergency_holder")
    # The key fingerprint the owner compared when designating them.
    fingerprint = models.CharField(max_length=64)
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    designated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"emergency-access holder {self.user_id}"


class EmergencyWrap(models.Model):
    """A scope key version wrapped to a holder, bound to the recipient label `emergency:<id>`.

    Kept apart from `keys.KeyWrap` on purpose: the vault opens these only for the clients of a
    live break-glass session, so holding them alone opens nothing.
    """

    key_version = models.ForeignKey("keys.ScopeKeyVersion", on_delete=models.CASCADE, related_name="emergency_wraps")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emergency_wraps")
    blob = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_version", "holder"], name="one_emergency_wrap_per_holder")]

    def __str__(self) -> str:
        return f"emergency wrap of {self.key_version_id} to {self.holder_id}"


class BreakGlassSession(models.Model):
    """A time-limited emergency access by a holder to one client's record, with its sealed reason."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="break_glass_sessions")
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="break_glass_sessions")
    reason = models.BinaryField()  # sealed under the client's admin scope key
    opened_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"break-glass session {self.public_id}"

    @property
    def is_live(self) -> bool:
        return self.ended_at is None and self.expires_at > timezone.now()


class Alert(models.Model):
    """Something the practice owner should look at. It names a staff member, never a client."""

    class Kind(models.TextChoices):
        BREAK_GLASS = "break_glass", "Emergency access"
        CHARTS_OUTSIDE_CASELOAD = "charts", "Many charts opened outside the caseload"
        NEW_DEVICE = "new_device", "Sign-in from a new device"
        BULK_EXPORT = "bulk_export", "Many downloads of client data"
        GUESSING = "guessing", "Many wrong passwords for one account"
        DENIED = "denied", "Many refused attempts to open client data"

    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=1)
    window_minutes = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=200, blank=True)  # e.g. the browser family; never client data
    session = models.ForeignKey(BreakGlassSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")

    class Meta:
        indexes = [models.Index(fields=["practice", "acknowledged_at", "raised_at"]),
                   models.Index(fields=["subject", "kind", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.kind} alert {self.pk}"

    @property
    def subject_label(self) -> str:
        """Who the alert is about, as the owner's pages show it: a staff member, or never a client's name."""
        if self.detail.startswith("portal client"):
            return "A portal client (see the audit log)"
        return str(self.subject)


class ActivityMark(models.Model):
    """One access that counts towards an anomaly threshold (a chart outside the caseload, an export)."""

    class Kind(models.TextChoices):
        CHART_OUTSIDE_CASELOAD = "chart", "Chart outside the caseload"
        EXPORT = "export", "Export or download"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    client = models.ForeignKey("records.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} by {self.user_id}"


class KnownDevice(models.Model):
    """A browser a person signed in from: a hash of its long-lived device cookie and its family."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices")
    token_hash = models.CharField(max_length=64)
    family = models.CharField(max_length=64)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token_hash", "family"], name="one_known_device")]

    def __str__(self) -> str:
        return f"device of {self.user_id} ({self.family})"
