"""Intake packets, what the care team sends to a client's portal, and what the client sends back.

What a client answers is sealed under the client's portal scope (the client and their clinical
care team hold it, ADR 0008): answers, totals, severity and the item-9 flag. Stored in clear are
only which form was sent and when (like an appointment's time), so that the portal can list what
is due; ADR 0020 says why and what that reveals.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    INTAKE = "intake", "Intake forms"
    PHQ9 = "phq9", "PHQ-9"
    GAD7 = "gad7", "GAD-7"


class IntakePacket(models.Model):
    """A practice's intake packet: consent acknowledgement, demographics, history questions, measures.

    The packet is the practice's own text, not client data, so it is stored in clear.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="intake_packets")
    name = models.CharField(max_length=120)
    consent_text = models.TextField(blank=True, default="")
    ask_demographics = models.BooleanField(default=True)
    history_questions = models.JSONField(default=list)
    measures = models.JSONField(default=list)  # instrument codes, e.g. ["phq9", "gad7"]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A form sent to the client's portal; `repeat_days` sends the next one after each completion."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="measure_assignments")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    packet = models.ForeignKey(IntakePacket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    available_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    repeat_days = models.PositiveSmallIntegerField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("available_on", "sent_at")

    def __str__(self) -> str:
        return f"Assignment {self.public_id}"


class Submission(models.Model):
    """What the client answered: a measure or the intake forms, sealed under the portal scope."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="measure_submissions")
    assignment = models.OneToOneField(Assignment, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="submission")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    answers = models.BinaryField()
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ("submitted_at",)

    def __str__(self) -> str:
        return f"Submission {self.public_id}"


class TrendShare(models.Model):
    """Whether the clinician shares the measure trend with the client in the portal."""

    client = models.OneToOneField("records.Client", on_delete=models.CASCADE, related_name="trend_share")
    shared = models.BooleanField(default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Trend sharing for client {self.client_id}"
