"""Video sessions, the privacy checks before them and their signalling messages.

What a row holds in the clear is operational only (who is present, since when, which round of
negotiation); every answer and every signalling message is sealed under the client's portal scope
key, which only the client and the care team members with clinical access hold (ADR 0008). No
media ever reaches the server, so no row holds any.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class Row(models.Model):
    """A row named by its kind and key only: its contents are sealed or operational."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class Side(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    CLIENT = "client", "Client"


class VideoSession(Row):
    """The video room of one appointment booked as video. Its two people are the appointment's
    clinician and its client; nobody else may enter."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.OneToOneField("records.Appointment", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="+")
    # False when the appointment was changed to another modality: the room is closed.
    open = models.BooleanField(default=True)
    # Presence, refreshed by each side's polling; "left" is an explicit leave.
    clinician_seen_at = models.DateTimeField(null=True, blank=True)
    client_seen_at = models.DateTimeField(null=True, blank=True)
    clinician_left = models.BooleanField(default=True)
    client_left = models.BooleanField(default=True)
    # The waiting room: the client waits from `client_waiting_since` until the clinician admits them.
    client_waiting_since = models.DateTimeField(null=True, blank=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    # Each join, admission or leave starts a new round of negotiation; signals of older rounds are ignored.
    generation = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)


class PrivacyCheck(Row):
    """One side's answers before the session (private space, headphones, who else is there; for the
    client also where they are and an emergency contact). Sealed whole, portal scope."""

    session = models.ForeignKey(VideoSession, on_delete=models.CASCADE, related_name="checks")
    side = models.CharField(max_length=10, choices=Side.choices)
    answers = models.BinaryField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "side"], name="one_privacy_check_per_side")]


class Signal(Row):
    """One signalling message (an offer, an answer, an ICE candidate) from one side to the other.

    Sealed (an SDP names the network addresses of the person's device). Deleted when its round of
    negotiation is over and when the session ends.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(VideoSession, on_delete=models.CASCADE, related_name="signals")
    sender = models.CharField(max_length=10, choices=Side.choices)
    generation = models.PositiveIntegerField()
    kind = models.CharField(max_length=16)
    body = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["session", "generation", "id"])]
