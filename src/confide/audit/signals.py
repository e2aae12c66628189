"""Sign-ins, sign-outs and MFA changes, written to the audit log as they happen.

The receivers are connected in `AuditConfig.ready`. None of them stores what a person typed: a
failed sign-in names the account's opaque id when the address belongs to one, and `unknown`
otherwise, so the log never holds an e-mail address (or a mistyped password pasted into the
address field).
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from confide.audit.services import record_event
from confide.audit.tags import UNKNOWN_ACTOR, Tag, actor_id_for, mfa_tag
from confide.auditlog import Outcome, PurposeOfUse

__all__ = ["connect"]

_PURPOSE = PurposeOfUse.SYSTEM_ADMINISTRATION


def on_signed_in(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Log a completed sign-in. If it cannot be logged, the new session is ended and the error raised."""
    try:
        record_event(Tag.SIGNIN_SUCCEEDED, actor_id=actor_id_for(user), purpose=_PURPOSE, outcome=Outcome.SUCCESS)
    except Exception:
        # A sign-in that is not on the record must not leave a working session behind.
        if request is not None and hasattr(request, "session"):
            request.session.flush()
        raise


def _account_actor(credentials: dict[str, Any]) -> str:
    address = credentials.get("email") or credentials.get("username")
    if not isinstance(address, str) or not address:
        return UNKNOWN_ACTOR
    user_model = get_user_model()
    pk = user_model._default_manager.filter(email__iexact=address.strip()).values_list("pk", flat=True).first()
    return UNKNOWN_ACTOR if pk is None else f"user:{pk}"


def on_sign_in_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Log a failed sign-in (or re-authentication) against the account, never the address typed."""
    record_event(Tag.SIGNIN_FAILED, actor_id=_account_actor(credentials), purpose=_PURPOSE, outcome=Outcome.FAILURE)


def on_signed_out(sender: object, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    """Log a sign-out, including the one the idle timeout performs."""
    if user is None:
        return
    record_event(Tag.SIGNOUT_SUCCEEDED, actor_id=actor_id_for(user), purpose=_PURPOSE, outcome=Outcome.SUCCESS)


def on_authenticator_saved(sender: object, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """Log a new MFA authenticator (TOTP, passkey, recovery codes) inside the transaction adding it.

    Model signals are used rather than allauth's `authenticator_added`, which allauth sends only
    after the commit, when a failure to log could no longer undo the change. A regeneration of
    recovery codes shows up as the old set removed and a new set added.
    """
    if created:
        record_event(
            mfa_tag(str(instance.type), "added"),
            actor_id=actor_id_for(instance.user),
            purpose=_PURPOSE,
            outcome=Outcome.SUCCESS,
        )


def on_authenticator_deleted(sender: object, instance: Any, **kwargs: Any) -> None:
    """Log an MFA authenticator being removed, inside the transaction removing it."""
    record_event(
        mfa_tag(str(instance.type), "removed"),
        actor_id=f"user:{instance.user_id}",
        purpose=_PURPOSE,
        outcome=Outcome.SUCCESS,
    )


def on_mfa_failed(sender: object, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    """Log a wrong second-factor code."""
    record_event(Tag.MFA_FAILED, actor_id=actor_id_for(user), purpose=_PURPOSE, outcome=Outcome.FAILURE)


def connect() -> None:
    """Connect the receivers (called once, from `AuditConfig.ready`)."""
    user_logged_in.connect(on_signed_in, dispatch_uid="confide.audit.signed_in")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="confide.audit.sign_in_failed")
    user_logged_out.connect(on_signed_out, dispatch_uid="confide.audit.signed_out")
    post_save.connect(on_authenticator_saved, sender=Authenticator, dispatch_uid="confide.audit.authenticator_saved")
    post_delete.connect(
        on_authenticator_deleted, sender=Authenticator, dispatch_uid="confide.audit.authenticator_deleted"
    )
    authentication_failed.connect(on_mfa_failed, dispatch_uid="confide.audit.mfa_failed")
