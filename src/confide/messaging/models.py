"""Threads, messages and attachments. Every text, file name and file is sealed (portal scope)."""

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


class Thread(Row):
    """The one conversation between a client and their care team."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.OneToOneField("records.Client", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)


class Message(Row):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_client = models.BooleanField()
    body = models.BinaryField()  # sealed {"text": ...}, portal scope
    created_at = models.DateTimeField(default=timezone.now)
    # Filed into the clinical record: kept with the record, not destroyed with the messaging period.
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_document = models.ForeignKey("records.Document", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")

    class Meta:
        indexes = [models.Index(fields=["thread", "created_at"])]


class Attachment(Row):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    meta = models.BinaryField()  # sealed {"filename", "content_type"}
    content = models.BinaryField()  # sealed file bytes (base64 inside the sealed JSON)
    size = models.PositiveIntegerField()


class ReadMark(Row):
    """Up to when a person has read a thread (for "new messages" only; the reads are in the audit log)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_until = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_read_mark")]


class ReminderChoice(Row):
    """A client's opt-in to appointment reminders: contact sealed under the operations key."""

    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms"

    client = models.OneToOneField("records.Client", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    contact = models.BinaryField()
    include_format = models.BooleanField(default=False)
    hours_before = models.PositiveSmallIntegerField(default=24)
    # Appointment formats the client chose to hear about: {appointment public id: format}, sealed.
    formats = models.BinaryField(null=True)
    updated_at = models.DateTimeField(default=timezone.now)


class ReminderSent(Row):
    """One reminder per appointment, start time and channel: the unique row makes sending idempotent."""

    appointment = models.ForeignKey("records.Appointment", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "starts_at"], name="one_reminder_per_start")]
