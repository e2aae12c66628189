"""Changing the practice's consent policies (owner only, audited in the same transaction)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from confide.accounts.models import User
from confide.audit.services import record_event
from confide.audit.tags import Tag, actor_id_for
from confide.auditlog import Outcome, PurposeOfUse
from confide.consent.models import ConsentPolicy, DestructionMethod
from confide.practice.models import Membership, Role

__all__ = ["ConsentPolicyError", "update_consent_policy"]

MAX_CONTACT = 300


class ConsentPolicyError(ValueError):
    """The policy cannot be saved; the message says why."""


@transaction.atomic
def update_consent_policy(
    *,
    actor: User,
    sees_minors: bool,
    family_no_secrets: bool,
    uses_messaging: bool,
    bills_insurance: bool,
    uses_supervision: bool,
    destruction_method: str,
    complaint_contact: str,
) -> ConsentPolicy:
    """Save the practice's consent policies. The consent document's fingerprint changes with them."""
    membership = Membership.objects.filter(user=actor).select_related("practice").first()
    if membership is None or membership.role != Role.OWNER:
        raise ConsentPolicyError("Only the practice owner can do this.")
    if destruction_method not in DestructionMethod.values:
        raise ConsentPolicyError("Choose how records are destroyed from the list.")
    contact = " ".join(complaint_contact.split())
    if len(contact) > MAX_CONTACT:
        raise ConsentPolicyError(f"The complaint contact may be at most {MAX_CONTACT} characters.")
    policy, _ = ConsentPolicy.objects.update_or_create(
        practice=membership.practice,
        defaults={
            "sees_minors": sees_minors,
            "family_no_secrets": family_no_secrets,
            "uses_messaging": uses_messaging,
            "bills_insurance": bills_insurance,
            "uses_supervision": uses_supervision,
            "destruction_method": destruction_method,
            "complaint_contact": contact,
            "updated_at": timezone.now(),
            "updated_by": actor,
        },
    )
    record_event(
        Tag.CONSENT_POLICY_CHANGED,
        actor_id=actor_id_for(actor),
        purpose=PurposeOfUse.OPERATIONS,
        outcome=Outcome.SUCCESS,
    )
    return policy
