"""The control copy's tables (created and filled by benchmarks/loadkit.py, so unmanaged here)."""

from __future__ import annotations

import datetime as dt

from django.db import models


class User(models.Model):
    display_name = models.CharField(max_length=120)

    class Meta:
        managed = False
        db_table = "control_user"

    def __str__(self) -> str:
        return self.display_name


class Client(models.Model):
    public_id = models.CharField(max_length=36, unique=True)
    given_name = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200)
    preferred_name = models.CharField(max_length=200)
    pronouns = models.CharField(max_length=60)
    date_of_birth = models.CharField(max_length=10)
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=60)
    emergency_contact = models.CharField(max_length=300)
    status = models.CharField(max_length=16)

    class Meta:
        managed = False
        db_table = "control_client"

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}".strip()


class CareTeamMember(models.Model):
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="care_team")
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, related_name="+")
    role = models.CharField(max_length=16, choices=[("primary", "Primary clinician"), ("clinician", "Clinician"),
                                                    ("supervisor", "Supervisor"), ("front_desk", "Front desk")])
    clinical_access = models.BooleanField()

    class Meta:
        managed = False
        db_table = "control_careteam"

    def __str__(self) -> str:
        return str(f"{self.user_id} {self.role}")


class Note(models.Model):
    public_id = models.CharField(max_length=36, unique=True)
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.DO_NOTHING, related_name="+")
    kind = models.CharField(max_length=16, choices=[("progress", "Progress note"),
                                                    ("psychotherapy", "Psychotherapy note")])
    template = models.CharField(max_length=8, choices=[("free", "Free text"), ("soap", "SOAP"), ("dap", "DAP"),
                                                       ("birp", "BIRP")])
    session_date = models.DateField()
    status = models.CharField(max_length=8, choices=[("draft", "Draft"), ("signed", "Signed")])
    body = models.TextField()

    class Meta:
        managed = False
        db_table = "control_note"

    def __str__(self) -> str:
        return str(self.public_id)


class TreatmentPlan(models.Model):
    client = models.OneToOneField(Client, on_delete=models.DO_NOTHING, related_name="treatment_plan")
    problems = models.TextField()
    goals = models.TextField()
    interventions = models.TextField()
    review_on = models.DateField(null=True)
    diagnoses = models.TextField()  # JSON: a list of {"code", "description"}

    class Meta:
        managed = False
        db_table = "control_treatment_plan"

    def __str__(self) -> str:
        return str(self.pk)


class Episode(models.Model):
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="episodes")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True)
    summary = models.TextField()

    class Meta:
        managed = False
        db_table = "control_episode"

    def __str__(self) -> str:
        return str(self.pk)

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class Appointment(models.Model):
    public_id = models.CharField(max_length=36, unique=True)
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="appointments")
    clinician = models.ForeignKey(User, null=True, on_delete=models.DO_NOTHING, related_name="+")
    starts_at = models.DateTimeField()
    duration_minutes = models.IntegerField()
    modality = models.CharField(max_length=16, choices=[("in_person", "In person"), ("video", "Video"),
                                                        ("phone", "Phone")])
    attendance = models.CharField(max_length=16, choices=[
        ("scheduled", "Scheduled"), ("attended", "Attended"), ("cancelled", "Cancelled"), ("no_show", "No-show"),
        ("late_cancelled", "Late-cancelled")])

    class Meta:
        managed = False
        db_table = "control_appointment"

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class Document(models.Model):
    public_id = models.CharField(max_length=36, unique=True)
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="documents")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "control_document"

    def __str__(self) -> str:
        return str(self.public_id)


class ConsentVersion(models.Model):
    number = models.IntegerField()
    title = models.CharField(max_length=300)

    class Meta:
        managed = False
        db_table = "control_consent_version"

    def __str__(self) -> str:
        return str(self.number)


class ConsentSignature(models.Model):
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="consent_signatures")
    version = models.ForeignKey(ConsentVersion, on_delete=models.DO_NOTHING, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "control_consent_signature"

    def __str__(self) -> str:
        return str(self.pk)


class CheckIn(models.Model):
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="checkins")
    comfort = models.IntegerField()
    informed = models.IntegerField()
    trust = models.IntegerField()
    comment = models.TextField()
    submitted_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "control_checkin"

    def __str__(self) -> str:
        return str(self.pk)


class PortalAccount(models.Model):
    client = models.OneToOneField(Client, on_delete=models.DO_NOTHING, related_name="portal_account")

    class Meta:
        managed = False
        db_table = "control_portal_account"

    def __str__(self) -> str:
        return str(self.pk)
