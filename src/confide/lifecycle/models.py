"""Discharge, retention, legal holds, destruction requests and the tombstones destruction leaves.

Reasons people type (a hold's or an override's) are sealed under the client's admin scope, so
they go with the record when it is destroyed. A tombstone holds only an opaque id, dates and the
rule that allowed destruction, plus the certificate (which names people by opaque id only).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

DEFAULT_SOLO_WAIT_DAYS = 14


class LifecyclePolicy(models.Model):
    """The practice's choices: keep longer than the law asks, and the solo practitioner's wait."""

    practice = models.OneToOneField("practice.Practice", on_delete=models.CASCADE, related_name="lifecycle_policy")
    extra_years = models.PositiveSmallIntegerField(default=0)
    solo_wait_days = models.PositiveSmallIntegerField(default=DEFAULT_SOLO_WAIT_DAYS)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Lifecycle policy of {self.practice_id}"


class Discharge(models.Model):
    """The client was discharged: the last contact fixes the retention date."""

    client = models.OneToOneField("records.Client", on_delete=models.CASCADE, related_name="discharge")
    last_contact = models.DateField()
    discharged_at = models.DateTimeField(default=timezone.now)
    discharged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # An owner's choice of another date: later than the rule needs, or (with a reason) earlier.
    override_until = models.DateField(null=True, blank=True)
    override_reason = models.BinaryField(null=True)  # sealed, admin scope
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Discharge of {self.client_id}"


class LegalHold(models.Model):
    """A hold that stops destruction while litigation, a subpoena or a complaint is open."""

    class Kind(models.TextChoices):
        LITIGATION = "litigation", "Litigation"
        SUBPOENA = "subpoena", "Subpoena or court order"
        COMPLAINT = "complaint", "Complaint to a board or regulator"
        OTHER = "other", "Other legal reason"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="legal_holds")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.BinaryField()  # sealed, admin scope
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-placed_at",)

    def __str__(self) -> str:
        return f"Legal hold {self.public_id}"


class DestructionRequest(models.Model):
    """The owner's approval to destroy a record, waiting for a second person (or the wait) to confirm."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.OneToOneField("records.Client", on_delete=models.CASCADE, related_name="destruction_request")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)
    # A solo practice: the same owner confirms again, no earlier than this.
    confirm_after = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Destruction request {self.public_id}"


class Tombstone(models.Model):
    """What is left of a destroyed record: an opaque id, dates, the rule, and the certificate."""

    client_public_id = models.UUIDField(unique=True)
    practice = models.ForeignKey("practice.Practice", on_delete=models.PROTECT, related_name="+")
    registered_on = models.DateField()
    last_contact = models.DateField(null=True)
    kept_until = models.DateField(null=True)
    rule_citation = models.CharField(max_length=300, blank=True)
    destroyed_at = models.DateTimeField(default=timezone.now)
    certificate = models.TextField()  # canonical JSON (sorted keys)
    certificate_sha256 = models.CharField(max_length=64)
    audit_position = models.BigIntegerField(null=True)

    class Meta:
        ordering = ("-destroyed_at",)

    def __str__(self) -> str:
        return f"Tombstone of {self.client_public_id}"
