"""Choosing the practice's jurisdiction and confirming its pack (owner only, audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from confide.accounts.models import User
from confide.audit.services import record_event
from confide.audit.tags import Tag, actor_id_for
from confide.auditlog import Outcome, PurposeOfUse
from confide.jurisdictions.loader import Pack, PackError, load_pack
from confide.jurisdictions.models import PackConfirmation
from confide.practice.models import Membership, Practice, Role

__all__ = ["JurisdictionError", "choose_jurisdiction", "confirm_pack", "pack_confirmed", "practice_pack"]


class JurisdictionError(ValueError):
    """The owner's choice or confirmation cannot be accepted; the message says why."""


def practice_pack(practice: Practice) -> Pack | None:
    """The pack of the practice's jurisdiction, or None when it names no pack Confide has."""
    try:
        return load_pack(practice.jurisdiction)
    except PackError:
        return None


def current_confirmation(practice: Practice) -> PackConfirmation | None:
    """The stored confirmation, whether or not it still matches the pack."""
    return PackConfirmation.objects.filter(practice=practice).select_related("confirmed_by").first()


def pack_confirmed(practice: Practice) -> bool:
    """True when the owner confirmed the practice's current pack in its current version."""
    pack = practice_pack(practice)
    if pack is None:
        return False
    return PackConfirmation.objects.filter(practice=practice, code=pack.code, fingerprint=pack.fingerprint).exists()


def _owner_membership(actor: User) -> Membership:
    membership = Membership.objects.filter(user=actor).select_related("practice").first()
    if membership is None or membership.role != Role.OWNER:
        raise JurisdictionError("Only the practice owner can do this.")
    return membership


def _audit(tag: Tag, actor: User) -> None:
    record_event(tag, actor_id=actor_id_for(actor), purpose=PurposeOfUse.OPERATIONS, outcome=Outcome.SUCCESS)


@transaction.atomic
def choose_jurisdiction(*, actor: User, code: str) -> Pack:
    """Set the practice's jurisdiction. The new pack then waits for the owner's confirmation."""
    membership = _owner_membership(actor)
    try:
        pack = load_pack(code)
    except PackError as exc:
        raise JurisdictionError(str(exc)) from None
    practice = membership.practice
    if practice.jurisdiction != pack.code:
        practice.jurisdiction = pack.code
        practice.save(update_fields=["jurisdiction"])
        _audit(Tag.JURISDICTION_CHANGED, actor)
    return pack


@transaction.atomic
def confirm_pack(*, actor: User, code: str, fingerprint: str) -> PackConfirmation:
    """Record that the owner reviewed the pack they were shown, identified by code and fingerprint.

    If the pack changed between showing and confirming, nothing is stored: the owner must review
    the new version.
    """
    membership = _owner_membership(actor)
    practice = Practice.objects.select_for_update().get(pk=membership.practice_id)
    pack = practice_pack(practice)
    if pack is None:
        raise JurisdictionError("Choose the practice's jurisdiction first.")
    if code != pack.code or fingerprint != pack.fingerprint:
        raise JurisdictionError("The rules changed since this page was shown. Review them again, then confirm.")
    confirmation, _ = PackConfirmation.objects.update_or_create(
        practice=practice,
        defaults={
            "code": pack.code,
            "fingerprint": pack.fingerprint,
            "confirmed_by": actor,
            "confirmed_at": timezone.now(),
        },
    )
    _audit(Tag.JURISDICTION_CONFIRMED, actor)
    return confirmation
