"""The client record. Everything that identifies a client or says anything clinical is sealed.

Sealed columns hold `confide.crypto` envelopes: AES-256-GCM under the client's scope key, bound to
practice, client, record type, record id, field, version and scope. What stays in the clear is
structure: opaque ids, dates used for ordering, sizes, statuses and who is on the care team.
(docs/adr/0004-vault-and-client-record.md lists it and why.)
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Client(models.Model):
    """A client of the practice. Names, birth date and contact details are sealed (admin scope)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey("practice.Practice", on_delete=models.PROTECT, related_name="clients")
    demographics = models.BinaryField()
    demographics_version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Client {self.public_id}"


class CareTeamMember(models.Model):
    """Who is on a client's care team, and for which scopes. Key wraps enforce it; this row records it."""

    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary clinician"
        CLINICIAN = "clinician", "Clinician"
        SUPERVISOR = "supervisor", "Supervisor"
        FRONT_DESK = "front_desk", "Front desk"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_teams")
    role = models.CharField(max_length=16, choices=Role.choices)
    clinical_access = models.BooleanField(default=False)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "user"], name="one_membership_per_client")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.client_id} ({self.role})"


class Episode(models.Model):
    """An episode of care: opened at intake, closed at discharge. Its summary is clinical."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="episodes")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    summary = models.BinaryField(null=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Episode {self.pk} of {self.client_id}"


class Appointment(models.Model):
    """A session on the calendar. Time and length are clear for scheduling; the rest is sealed (admin)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="appointments")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    details = models.BinaryField()  # modality, attendance: sealed, admin scope
    # The format (in person, video, phone) sealed again under the portal scope, so the client sees
    # it in their portal (issue 15); empty when the person booking held no portal key.
    portal_details = models.BinaryField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("-starts_at",)

    def __str__(self) -> str:
        return f"Appointment {self.public_id}"


class Note(models.Model):
    """A progress note (clinical scope) or a psychotherapy note (private scope, its author's key).

    Drafts are saved with a version check; signing locks the note, and later changes are
    addenda (notes with `parent` set) so the original is kept.
    """

    class Kind(models.TextChoices):
        PROGRESS = "progress", "Progress note"
        PSYCHOTHERAPY = "psychotherapy", "Psychotherapy note"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    class Template(models.TextChoices):
        FREE = "free", "Free text"
        SOAP = "soap", "SOAP"
        DAP = "dap", "DAP"
        BIRP = "birp", "BIRP"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    template = models.CharField(max_length=8, choices=Template.choices, default=Template.FREE)
    session_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    body = models.BinaryField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="addenda")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    # The session the note documents (issue 23); a note written for no appointment says why
    # (`unscheduled_reason`, one of records.note_sessions.UNSCHEDULED_REASONS: never free text).
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="notes")
    unscheduled_reason = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ("-session_date", "-created_at")
        indexes = [models.Index(fields=["client", "kind", "session_date"])]

    def __str__(self) -> str:
        return f"Note {self.public_id}"


class TreatmentPlan(models.Model):
    """The treatment plan and diagnoses of a client (clinical scope), versioned."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="treatment_plan")
    content = models.BinaryField()
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Plan of {self.client_id}"


class Document(models.Model):
    """An uploaded document: sealed chunks in the file store under a random name (clinical scope)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="documents")
    meta = models.BinaryField()  # file name and content type, sealed
    size = models.PositiveBigIntegerField()
    chunk_count = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=64, unique=True)
    # The scope the chunks and meta are sealed under: clinical for staff uploads, portal for what
    # the client uploads in the portal (the client holds no clinical key; the care team holds both).
    scope = models.CharField(max_length=16, default="clinical")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Document {self.public_id}"
