"""Business rules for practices and staff. Views, the API and the CLI call these functions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from confide.accounts.models import User
from confide.audit.services import record_event
from confide.audit.tags import Tag, actor_id_for, subject_detail
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys import services as keys
from confide.notifications.outbox import queue_mail
from confide.practice import jurisdictions
from confide.practice.models import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, Invitation, Membership, Practice, Role


class PracticeError(Exception):
    """A request that breaks a practice rule; the message is safe to show to the user."""


class InvalidInvitationError(PracticeError):
    """The invitation link is unknown, used, revoked or expired."""


class NotAllowedError(PracticeError):
    """The acting user's role does not allow this."""


# A note signed later than this after its session is a late entry (records.note_sessions).
LATE_ENTRY_HOURS_MAX = 24 * 30

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clean_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise PracticeError("Enter a valid e-mail address.") from None
    return email


def _audit(tag: Tag, actor: User, subject: User | None = None) -> None:
    """Write a practice-management event to the audit log, in the caller's transaction."""
    record_event(
        tag,
        actor_id=actor_id_for(actor),
        purpose=PurposeOfUse.OPERATIONS,
        outcome=Outcome.SUCCESS,
        sealed_detail=None if subject is None else subject_detail(subject),
    )


def membership_of(user: User) -> Membership | None:
    """Return the user's membership, or None for someone outside any practice."""
    return Membership.objects.filter(user=user).select_related("practice").first()


def _require_owner(user: User) -> Membership:
    membership = membership_of(user)
    if membership is None or membership.role != Role.OWNER:
        raise NotAllowedError("Only the practice owner can do this.")
    return membership


@dataclass(frozen=True)
class CreatedPractice:
    """A new practice's owner membership and its recovery kit (shares in memory only)."""

    membership: Membership
    recovery_kit: keys.NewRecoveryKit


@transaction.atomic
def create_practice(
    *,
    name: str,
    jurisdiction: str,
    owner_email: str,
    owner_password: str,
    owner_name: str = "",
    recovery_threshold: int = 2,
    recovery_shares: int = 3,
    owner_is_clinician: bool = False,
) -> CreatedPractice:
    """Create a practice, its recovery key and its owner (with a key pair) in one transaction.

    With `owner_is_clinician` the owner is also a treating clinician (the solo practice): the
    clients they register have them as primary clinician.

    Raises `PracticeError` or `ValidationError` (password policy) before writing anything.
    The recovery kit's shares are returned once and never stored.
    """
    name = name.strip()
    if not name or len(name) > Practice._meta.get_field("name").max_length:  # type: ignore[operator]
        raise PracticeError("The practice needs a name of at most 200 characters.")
    if not jurisdictions.is_known(jurisdiction):
        raise PracticeError(f"Unknown jurisdiction {jurisdiction!r}; see `confide init --help` for the codes.")
    email = _clean_email(owner_email)
    if User.objects.filter(email=email).exists():
        raise PracticeError("An account with this e-mail address already exists.")
    validate_password(owner_password, User(email=email))
    if not 2 <= recovery_threshold <= recovery_shares <= 16:
        raise PracticeError("The recovery kit needs 2 <= threshold <= shares <= 16.")
    practice = Practice.objects.create(name=name, jurisdiction=jurisdiction)
    kit = keys.create_recovery_key(practice.pk, threshold=recovery_threshold, share_count=recovery_shares)
    with keys.password_derivations():  # the hash and the key wrap share one Argon2id (ADR 0022)
        owner = User.objects.create_user(email=email, password=owner_password, display_name=owner_name.strip())
        membership = Membership.objects.create(practice=practice, user=owner, role=Role.OWNER,
                                               owner_is_clinician=owner_is_clinician)
        keys.provision_user_keys(owner.pk, practice.pk, owner_password)
    _audit(Tag.PRACTICE_CREATED, owner)
    return CreatedPractice(membership=membership, recovery_kit=kit)


def treating_clinicians(practice_id: int) -> list[Membership]:
    """The practice's active members who may be a client's primary clinician.

    Clinicians, and the owner when the owner is also a clinician (`owner_is_clinician`).
    """
    return list(Membership.objects.filter(practice_id=practice_id, user__is_active=True)
                .filter(Q(role=Role.CLINICIAN) | Q(role=Role.OWNER, owner_is_clinician=True))
                .select_related("user").order_by("user__email"))


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation and the one-time link that was e-mailed (shown once to the owner)."""

    invitation: Invitation
    link: str


def invite_staff(*, inviter: User, email: str, role: str) -> IssuedInvitation:
    """Invite a person to the inviter's practice and e-mail them a single-use link.

    The e-mail names the practice and the role only. Raises `NotAllowedError` for non-owners and
    `PracticeError` for bad input or an address that already has an account.
    """
    membership = _require_owner(inviter)
    email = _clean_email(email)
    if role not in Role.values or role == Role.OWNER:
        raise PracticeError("Choose a role: clinician, supervisor or front desk.")
    if User.objects.filter(email=email).exists():
        raise PracticeError("This person already has an account.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # An earlier pending invitation for the same address stops working.
        Invitation.objects.filter(practice=membership.practice, email=email, accepted_at=None, revoked_at=None).update(
            revoked_at=now
        )
        invitation = Invitation.objects.create(
            practice=membership.practice,
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by=inviter,
            expires_at=now + timedelta(hours=settings.CONFIDE_INVITATION_TTL_HOURS),
        )
        _audit(Tag.STAFF_INVITED, inviter)
        link = f"{settings.SITE_URL}/invite/{token}/"
        context = {
            "practice": membership.practice,
            "role": invitation.get_role_display(),
            "link": link,
            "hours": settings.CONFIDE_INVITATION_TTL_HOURS,
        }
        # Queued inside the transaction: an invitation always has its e-mail, sent by the worker.
        queue_mail(
            kind="staff-invitation",
            subject=f"You are invited to join {membership.practice.name} on Confide",
            body=render_to_string("practice/email/invitation.txt", context),
            to=[email],
        )
    return IssuedInvitation(invitation=invitation, link=link)


def find_invitation(token: str) -> Invitation:
    """Return the pending invitation for a token, or raise `InvalidInvitationError`."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).select_related("practice").first()
    if invitation is None or invitation.status != "pending":
        raise InvalidInvitationError("This invitation link is no longer valid. Ask your practice owner for a new one.")
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, password: str, display_name: str = "") -> User:
    """Create the invited person's account and membership; the token then stops working.

    The invitation row is locked and re-checked inside the transaction, so two browsers
    racing with the same link create one account at most.
    """
    invitation = find_invitation(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise InvalidInvitationError("This invitation link is no longer valid. Ask your practice owner for a new one.")
    if User.objects.filter(email=invitation.email).exists():
        raise InvalidInvitationError("This invitation has already been used.")
    validate_password(password, User(email=invitation.email))
    with keys.password_derivations():  # the hash and the key wrap share one Argon2id (ADR 0022)
        user = User.objects.create_user(email=invitation.email, password=password, display_name=display_name.strip())
        Membership.objects.create(practice=invitation.practice, user=user, role=invitation.role)
        keys.provision_user_keys(user.pk, invitation.practice_id, password)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    _audit(Tag.STAFF_INVITATION_ACCEPTED, user)
    return user


@transaction.atomic
def revoke_invitation(*, actor: User, invitation_id: int) -> None:
    """Withdraw a pending invitation of the owner's practice."""
    membership = _require_owner(actor)
    updated = Invitation.objects.filter(
        pk=invitation_id, practice=membership.practice, accepted_at=None, revoked_at=None
    ).update(revoked_at=timezone.now())
    if not updated:
        raise PracticeError("There is no pending invitation to withdraw.")
    _audit(Tag.STAFF_INVITATION_REVOKED, actor)


@transaction.atomic
def update_practice_settings(*, actor: User, name: str, mfa_required: bool, session_idle_minutes: int,
                             late_entry_hours: int | None = None) -> Practice:
    """Change the practice's name, security policy and record-keeping settings (owner only)."""
    membership = _require_owner(actor)
    name = name.strip()
    if not name or len(name) > 200:
        raise PracticeError("The practice needs a name of at most 200 characters.")
    if not MIN_IDLE_MINUTES <= session_idle_minutes <= MAX_IDLE_MINUTES:
        raise PracticeError(f"The idle timeout must be between {MIN_IDLE_MINUTES} and {MAX_IDLE_MINUTES} minutes.")
    practice = membership.practice
    practice.name = name
    practice.mfa_required = mfa_required
    practice.session_idle_minutes = session_idle_minutes
    if late_entry_hours is not None:
        if not 1 <= late_entry_hours <= LATE_ENTRY_HOURS_MAX:
            raise PracticeError(f"The late-entry limit must be between 1 and {LATE_ENTRY_HOURS_MAX} hours.")
        practice.late_entry_hours = late_entry_hours
    practice.save(update_fields=["name", "mfa_required", "session_idle_minutes", "late_entry_hours"])
    _audit(Tag.PRACTICE_SETTINGS_CHANGED, actor)
    return practice


@transaction.atomic
def set_member_active(*, actor: User, member_id: int, active: bool) -> Membership:
    """Suspend or restore a staff member's sign-in (owner only; never the owner themself)."""
    owner = _require_owner(actor)
    member = Membership.objects.filter(pk=member_id, practice=owner.practice).select_related("user").first()
    if member is None:
        raise PracticeError("There is no such staff member.")
    if member.user_id == actor.pk:
        raise PracticeError("You cannot suspend your own account.")
    member.user.is_active = active
    member.user.save(update_fields=["is_active"])
    _audit(Tag.STAFF_RESTORED if active else Tag.STAFF_SUSPENDED, actor, subject=member.user)
    return member


def owner_addresses() -> list[str]:
    """The e-mail addresses of every active practice owner (where audit tree heads are e-mailed)."""
    return list(Membership.objects.filter(role=Role.OWNER, user__is_active=True).values_list("user__email", flat=True))
