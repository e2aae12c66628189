"""Requests for a copy of the record (164.524), the copies delivered, and amendment requests (164.526).

What stays in the clear is structure: who asked when, the due date, the status, the denial
ground's code (a citation, the same for every client) and sizes. What the client wrote, the
practice's explanation or answer, and the copies themselves are sealed under the client's
`portal` scope key, which the client and their clinical team hold (ADR 0008, ADR 0023).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessRequest(models.Model):
    """A client's request for a copy of their record, with its 30-day due date and its answer."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        FULFILLED = "fulfilled", "Copy delivered"
        DENIED = "denied", "Denied"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="access_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    extended_at = models.DateTimeField(null=True, blank=True)  # the one 30-day extension
    extension_reason = models.BinaryField(null=True, blank=True)  # sealed, portal scope
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    denial_ground = models.CharField(max_length=32, blank=True, default="")  # a code of access_rights.grounds
    denial_explanation = models.BinaryField(null=True, blank=True)  # sealed, portal scope
    review_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_on", "requested_at")
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"Access request {self.public_id}"


class RecordCopy(models.Model):
    """The copy delivered for an access request: a PDF and a FHIR Bundle, both sealed (portal scope)."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        FHIR = "fhir", "FHIR R4 Bundle (JSON)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="copies")
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=8, choices=Format.choices)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "format"], name="one_copy_per_format")]

    def __str__(self) -> str:
        return f"Record copy {self.public_id} ({self.format})"


class AmendmentRequest(models.Model):
    """A client's request to amend their record (164.526) and the practice's answer, both sealed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DENIED = "denied", "Denied"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="amendment_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    content = models.BinaryField()  # what to change and why: sealed, portal scope
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    answer = models.BinaryField(null=True, blank=True)  # the practice's answer: sealed, portal scope
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ("-requested_at",)

    def __str__(self) -> str:
        return f"Amendment request {self.public_id}"
