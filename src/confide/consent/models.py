"""The practice's consent policies: the choices that shape its informed-consent document."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from confide.practice.models import Practice


class DestructionMethod(models.TextChoices):
    CRYPTO_SHRED = "crypto_shred", "Crypto-shredding: the keys are deleted so no copy can be read"
    CRYPTO_SHRED_AND_PAPER = "crypto_shred_and_paper", "Crypto-shredding, and paper is cross-cut shredded"


class ConsentPolicy(models.Model):
    """What the practice does, in the terms the consent document explains to clients.

    These are facts about the practice, never about a client, so they are stored in the clear.
    """

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="consent_policy")
    sees_minors = models.BooleanField(default=False, help_text="The practice sees clients under 18.")
    family_no_secrets = models.BooleanField(
        default=True,
        help_text='In couples and family work, the practice keeps no secrets between members ("no secrets" policy).',
    )
    uses_messaging = models.BooleanField(
        default=False, help_text="Clinicians use e-mail or text messages with clients."
    )
    bills_insurance = models.BooleanField(default=False, help_text="The practice bills health insurance.")
    uses_supervision = models.BooleanField(
        default=True, help_text="Clinicians discuss their work with a supervisor or consultant."
    )
    destruction_method = models.CharField(
        max_length=32, choices=DestructionMethod.choices, default=DestructionMethod.CRYPTO_SHRED
    )
    complaint_contact = models.CharField(
        max_length=300,
        blank=True,
        help_text="Who clients contact with a privacy complaint (for example the owner's name and a phone number).",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Consent policy of practice {self.practice_id}"
