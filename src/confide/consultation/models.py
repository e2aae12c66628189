"""Consultations: a de-identified summary of chosen parts of a chart, and who it is shared with.

The draft (the original text, the spans found and the clinician's changes) holds identifiers, so
it is sealed under the client's clinical scope. The approved summary holds none and is sealed
under a key of its own (scope `consultation`), wrapped only to its author, the consultants it
is shared with and the practice recovery key: a consultant holds that key and nothing of the chart.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Consultation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "In review"
        APPROVED = "approved", "Approved"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="consultations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    # Sealed under the client's clinical scope: question, sources, spans, options.
    draft = models.BinaryField()
    # Set on approval: the summary's own key, and the summary sealed under it.
    key_version = models.ForeignKey("keys.ScopeKeyVersion", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    summary = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"consultation {self.public_id}"


class ConsultationShare(models.Model):
    """A consultant in the practice (`consultant`), or a passcode release link (`lookup`)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="shares")
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # A release link: the token's hash, the summary key sealed under the link key, the passcode's hash.
    lookup = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sealed_key = models.BinaryField(null=True, blank=True)
    passcode_hash = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consultation", "consultant"], name="one_share_per_consultant",
                                               condition=models.Q(consultant__isnull=False))]

    def __str__(self) -> str:
        return f"share of {self.consultation_id}"


class ConsultationReply(models.Model):
    """A consultant's reply, sealed under the summary's key (it answers the summary, not the chart)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    filed_note = models.ForeignKey("records.Note", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"reply {self.public_id}"
