"""A lost second factor's way back: the owner resets it after checking who the person is (ADR 0013).

The reset removes the person's authenticators (authenticator app, passkeys, recovery codes), ends
their sessions, is audited, and tells them by e-mail. At their next sign-in, with their password,
they must enrol a new factor before anything else (the practice requires one). Nothing about their
keys changes: their password still opens their private key, and every wrap stays as it was.
"""

from __future__ import annotations

import logging

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction

from confide.accounts.models import User
from confide.audit.services import record_event
from confide.audit.tags import Tag, actor_id_for, subject_detail
from confide.auditlog import Outcome, PurposeOfUse
from confide.notifications.outbox import queue_mail
from confide.practice.models import Membership, Role
from confide.practice.services import PracticeError

logger = logging.getLogger(__name__)

_MESSAGE = """Your second factor for Confide was reset by your practice owner.

If you asked for this: sign in with your password at {site}/accounts/login/ and set up a new
authenticator app or passkey. If you did not ask for it, tell your practice owner at once.

This message contains no client information.

— Confide"""


@transaction.atomic
def reset_second_factor(*, actor: User, member_id: int, identity_checked: bool) -> Membership:
    """Remove a staff member's second factors so that they enrol anew (owner only, never their own)."""
    owner = Membership.objects.filter(user=actor, role=Role.OWNER, user__is_active=True).first()
    if owner is None:
        raise PracticeError("Only the practice owner can reset a second factor.")
    member = Membership.objects.filter(pk=member_id, practice_id=owner.practice_id).select_related("user").first()
    if member is None:
        raise PracticeError("There is no such staff member.")
    if member.user_id == actor.pk:
        raise PracticeError("You cannot reset your own second factor; another owner can.")
    if not identity_checked:
        raise PracticeError("First confirm that you checked who is asking, in person or by a call you placed.")
    removed = Authenticator.objects.filter(user=member.user).count()
    if removed == 0:
        raise PracticeError("This person has no second factor to reset.")
    for authenticator in Authenticator.objects.filter(user=member.user):
        authenticator.delete()  # one audit event per factor (confide.audit.signals)
    record_event(Tag.MFA_RESET, actor_id=actor_id_for(actor), purpose=PurposeOfUse.SYSTEM_ADMINISTRATION,
                 outcome=Outcome.SUCCESS, sealed_detail=subject_detail(member.user))
    for session in UserSession.objects.filter(user=member.user):
        session.end()
    queue_mail(kind="mfa-reset", subject="Confide: your second factor was reset",
               body=_MESSAGE.format(site=settings.SITE_URL), to=[member.user.email])
    return member
