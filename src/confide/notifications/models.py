"""The outbox, the worker's heartbeat, push subscriptions, digests and reminder choices.

Nothing here is readable client data: every address, phone number, push endpoint and mail body
is sealed under the operations key (`confide.notifications.opskey`), which lives in a file
outside the database.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Row(models.Model):
    """A row named by its kind and key only: its contents are sealed or operational."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class OutgoingMail(Row):
    """One e-mail (or SMS) to send, sealed under the operations key; the task table holds only its id."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32)  # e.g. "message-waiting"; a kind of mail, never a person
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    envelope = models.BinaryField()  # sealed {"to": [...], "subject": ..., "body": ...}
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # While `sending`, the worker holding the send and until when; a send held past its lease
    # (the worker died) is sent again with the same Message-ID.
    lease_holder = models.CharField(max_length=64, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    resent_in_doubt = models.BooleanField(default=False)
    kicked_at = models.DateTimeField(default=timezone.now)  # when a task was last enqueued for it
    last_error = models.CharField(max_length=200, blank=True, default="")  # an exception class name only
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "lease_until"])]


class WorkerHeartbeat(Row):
    """A running `confide worker` says it is alive here every few seconds."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now)


class NotificationSettings(Row):
    """The practice's choices for talking outside the session (owner only)."""

    practice = models.OneToOneField("practice.Practice", on_delete=models.CASCADE, related_name="+")
    # Shown as the sender of every notification; a clinic's own name can itself disclose.
    sender_name = models.CharField(max_length=60, default="Secure portal")
    messaging_period_days = models.PositiveIntegerField(default=365)
    front_desk_scheduling = models.BooleanField(default=False)
    digest_hour = models.PositiveSmallIntegerField(default=8)


class StaffNotificationPreference(Row):
    """A staff member's digest: how often, and the hours in which nothing is sent."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    quiet_start = models.PositiveSmallIntegerField(default=20)  # hour of day, practice time zone
    quiet_end = models.PositiveSmallIntegerField(default=8)
    pending_since = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)


class PushSubscription(Row):
    """A browser's Web Push subscription; endpoint and keys sealed under the operations key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sealed = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
