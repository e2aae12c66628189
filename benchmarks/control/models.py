"""The control copy's tables (created and filled by benchmarks/loadkit.py, so unmanaged here)."""

from __future__ import annotations

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
    status = models.CharField(max_length=16)

    class Meta:
        managed = False
        db_table = "control_client"

    def __str__(self) -> str:
        return str(self.public_id)


class CareTeamMember(models.Model):
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="care_team")
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, related_name="+")
    role = models.CharField(max_length=16)
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
    kind = models.CharField(max_length=16)
    template = models.CharField(max_length=8)
    session_date = models.DateField()
    status = models.CharField(max_length=8)
    body = models.TextField()

    class Meta:
        managed = False
        db_table = "control_note"

    def __str__(self) -> str:
        return str(self.public_id)
