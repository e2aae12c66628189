"""Per-user policy derived from the user's practice: idle timeout and MFA requirement."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

from confide.portal.models import ClientAccount
from confide.practice.models import Membership

DEFAULT_IDLE_MINUTES = 15


def request_membership(request: Any) -> Any:
    """The signed-in person's membership, fetched once per request and shared by every layer."""
    if not hasattr(request, "_confide_membership"):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            membership = None
        elif _loaded_with_user(user):
            # The sign-in backend loaded it with the user (`accounts.backends`): no query.
            membership = user.membership if hasattr(user, "membership") else None
        else:
            # The emergency-access holder row rides along: the vault and the navigation both ask
            # "is this person a holder?" on every page, and a reverse one-to-one costs a query.
            membership = (Membership.objects.filter(user=user)
                          .select_related("practice", "user", "user__emergency_holder").first())
        request._confide_membership = membership
    return request._confide_membership


def is_emergency_holder(user: Any) -> bool:
    """Whether a staff member holds emergency access; free when the sign-in backend loaded the row."""
    return hasattr(user, "emergency_holder")  # the reverse one-to-one raises when there is no row


def _loaded_with_user(user: Any) -> bool:
    """Whether the user object already carries its membership (and holder row), maybe as None."""
    fields = user._meta
    return bool(fields.get_field("membership").is_cached(user) and fields.get_field("emergency_holder").is_cached(user))


def idle_timeout_seconds(user: Any, membership: Any = None) -> int:
    """Return the idle timeout for the user's practice, in seconds."""
    if membership is None:
        membership = Membership.objects.filter(user=user).select_related("practice").first()
    minutes = membership.practice.session_idle_minutes if membership else DEFAULT_IDLE_MINUTES
    return int(minutes) * 60


def has_mfa(user: Any) -> bool:
    """True when the user has enrolled a TOTP app or a security key/passkey."""
    enrolled: bool = Authenticator.objects.filter(
        user=user, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    ).exists()
    return enrolled


def needs_mfa_enrolment(user: Any, membership: Any = None) -> bool:
    """True when the user's practice requires MFA and the user has not enrolled a factor."""
    if membership is None:
        membership = Membership.objects.filter(user=user).select_related("practice").first()
    if membership is None and is_portal_client(user):
        return False  # clients are offered and encouraged to add a second factor, never forced (ADR 0008)
    required = membership.practice.mfa_required if membership else True
    return required and not has_mfa(user)


def is_portal_client(user: Any) -> bool:
    """True when the user is a client with a portal account (and so never staff)."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and ClientAccount.objects.filter(user_id=user.pk).exists())
