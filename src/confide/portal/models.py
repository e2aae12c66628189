"""The client's side of Confide: accounts, invitations, consent versions and signatures, check-ins.

What stays in the clear is structure (who signed which version when, check-in dates, which
clinician has an unread notice); the typed name of a signature, check-in answers and the reason
for signing a note without consent are sealed (docs/adr/0008-client-portal-and-consent.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from confide.practice.models import SingleUseInvitation


class PortalSettings(models.Model):
    """A practice's consent process: when clients are asked to revisit confidentiality."""

    practice = models.OneToOneField("practice.Practice", on_delete=models.CASCADE, related_name="portal_settings")
    revisit_after_intake = models.BooleanField(default=True)
    revisit_after_disclosure = models.BooleanField(default=True)
    revisit_every_months = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(0), MaxValueValidator(36)])  # 0: never
    checkin_every_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(7), MaxValueValidator(365)])

    def __str__(self) -> str:
        return f"Portal settings of {self.practice_id}"


class ClientInvitation(SingleUseInvitation):
    """A single-use, expiring invitation of a client to the portal. Only the token's SHA-256 is stored.

    The address it was sent to is not stored: it is part of the client's sealed demographics or
    was typed by the clinician, and the client chooses their sign-in address when they accept.
    """

    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="portal_invitations")

    class Meta(SingleUseInvitation.Meta):
        pass

    def __str__(self) -> str:
        return f"Portal invitation {self.pk}"


class ClientAccount(models.Model):
    """Links a client's sign-in (a user with no practice membership) to their record."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_account")
    client = models.OneToOneField("records.Client", on_delete=models.CASCADE, related_name="portal_account")
    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    # The client's e-mail address, sealed under the address key (the user's `email` is only a
    # keyed hash of it, for signing in): confide/accounts/addresses.py, ADR 0013.
    sealed_email = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_consent_prompt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Portal account of {self.client_id}"


class ConsentVersion(models.Model):
    """One version of a practice's consent document, kept word for word with its fingerprint."""

    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="consent_versions")
    number = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    # The document as structured JSON (title, sections, citations): it is the practice's text,
    # the same for every client, and holds no client data.
    document = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-number",)
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="one_consent_number_per_practice"),
            models.UniqueConstraint(fields=["practice", "fingerprint"], name="one_consent_version_per_text"),
        ]

    def __str__(self) -> str:
        return f"Consent v{self.number} of {self.practice_id}"


class ConsentSignature(models.Model):
    """A client's signature of one consent version. The typed name is sealed (portal scope)."""

    public_id = models.UUIDField(unique=True)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="consent_signatures")
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="signatures")
    document_hash = models.CharField(max_length=64)
    signed_name = models.BinaryField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-signed_at",)

    def __str__(self) -> str:
        return f"Signature {self.public_id}"


class CheckIn(models.Model):
    """A privacy check-in. The three scores and the free text are sealed together (portal scope)."""

    public_id = models.UUIDField(unique=True)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="privacy_checkins")
    answers = models.BinaryField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-submitted_at",)

    def __str__(self) -> str:
        return f"Check-in {self.public_id}"


class ClinicianNotice(models.Model):
    """An in-app notice for a clinician. Its text is generic; the chart says the rest."""

    class Kind(models.TextChoices):
        CHECKIN_DROP = "checkin_drop", "A client's privacy check-in dropped"
        CONSENT_SIGNED = "consent_signed", "A client signed their consent"
        AUTHORIZATION_SIGNED = "authorization_signed", "A client signed an authorization in the portal"
        AUTHORIZATION_REVOKED = "authorization_revoked", "A client revoked an authorization in the portal"
        FORM_COMPLETED = "form_completed", "A client completed a form in the portal"
        ACCESS_REQUESTED = "access_requested", "A client asked for a copy of their record or a change to it"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_notices")
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class ConsentOverride(models.Model):
    """Why a progress note was signed for a client without current consent (sealed, clinical scope)."""

    note = models.OneToOneField("records.Note", on_delete=models.CASCADE, related_name="consent_override")
    reason = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Consent override of {self.note_id}"


class DisclosureMark(models.Model):
    """When a disclosure about a client was last made: it makes a consent revisit due."""

    client = models.OneToOneField("records.Client", on_delete=models.CASCADE, related_name="+")
    disclosed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Disclosure mark of {self.client_id}"


class PasswordRecovery(SingleUseInvitation):
    """A client's forgotten-password recovery, started by the care team after confirming who they are.

    Three steps (docs/recovery.md, ADR 0023): a care-team member confirms the client's identity
    (`invited_by`, `identity_check`) and Confide e-mails the client a single-use link (only its
    SHA-256 is stored); the client chooses a new password, which gives them a new key pair and
    opens nothing yet (`accepted_at`, `new_fingerprint`); a care-team member compares the
    fingerprint with the client and re-wraps the portal scope key to the new public key
    (`restored_at`, `restored_by`). No server-held key takes part.
    """

    class IdentityCheck(models.TextChoices):
        IN_PERSON = "in_person", "In person, with a photo identity document"
        VIDEO = "video", "On a video call, recognised by the clinician"
        CALLBACK = "callback", "By calling the client back on the number in their record"

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="recoveries")
    identity_check = models.CharField(max_length=16, choices=IdentityCheck.choices)
    new_fingerprint = models.CharField(max_length=64, blank=True, default="")
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta(SingleUseInvitation.Meta):
        pass

    def __str__(self) -> str:
        return f"Password recovery {self.pk}"
