"""Per-user policy derived from the user's practice: idle timeout and MFA requirement."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

DEFAULT_IDLE_MINUTES = 15


def idle_timeout_seconds(user: Any) -> int:
    """Return the idle timeout for the user's practice, in seconds."""
    from confide.practice.models import Membership

    membership = Membership.objects.filter(user=user).select_related("practice").first()
    minutes = membership.practice.session_idle_minutes if membership else DEFAULT_IDLE_MINUTES
    return int(minutes) * 60


def has_mfa(user: Any) -> bool:
    """True when the user has enrolled a TOTP app or a security key/passkey."""
    enrolled: bool = Authenticator.objects.filter(
        user=user, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    ).exists()
    return enrolled


def needs_mfa_enrolment(user: Any) -> bool:
    """True when the user's practice requires MFA and the user has not enrolled a factor."""
    from confide.practice.models import Membership

    membership = Membership.objects.filter(user=user).select_related("practice").first()
    required = membership.practice.mfa_required if membership else True
    return required and not has_mfa(user)
