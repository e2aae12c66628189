"""A practice, the people who work in it and the invitations that bring them in."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from confide.practice.jurisdictions import jurisdiction_choices

MIN_IDLE_MINUTES = 5
MAX_IDLE_MINUTES = 120


class Role(models.TextChoices):
    OWNER = "owner", "Practice owner"
    CLINICIAN = "clinician", "Clinician"
    SUPERVISOR = "supervisor", "Supervisor"
    FRONT_DESK = "front_desk", "Front desk"


class Practice(models.Model):
    """A therapy practice: its name, where it is, and its security policy."""

    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=16, choices=jurisdiction_choices())
    mfa_required = models.BooleanField(default=True)
    session_idle_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(MIN_IDLE_MINUTES), MaxValueValidator(MAX_IDLE_MINUTES)]
    )
    # A note signed this many hours after its session ends is marked as a late entry (issue 23).
    late_entry_hours = models.PositiveSmallIntegerField(
        default=72, validators=[MinValueValidator(1), MaxValueValidator(24 * 30)])
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in a practice. A user belongs to one practice."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(max_length=16, choices=Role.choices)
    # An owner who is also a treating clinician (the solo practice, issue 15). Clinicians always
    # treat; supervisors and front desk never do.
    owner_is_clinician = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("role", "user__email")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def treats_clients(self) -> bool:
        """Whether this person may be a client's primary or treating clinician."""
        return self.role == Role.CLINICIAN or (self.role == Role.OWNER and self.owner_is_clinician)


class SingleUseInvitation(models.Model):
    """What every invitation link has: a stored token hash, an expiry, and one use.

    Only the SHA-256 of the token is stored, so a copy of the database cannot be used to accept
    an outstanding invitation. Staff invitations and client portal invitations both use it.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ("-created_at",)

    @property
    def status(self) -> str:
        """One of `accepted`, `revoked`, `expired` or `pending`."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class Invitation(SingleUseInvitation):
    """A single-use, expiring invitation for a staff member."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta(SingleUseInvitation.Meta):
        pass

    def __str__(self) -> str:
        return f"Invitation for {self.email}"
