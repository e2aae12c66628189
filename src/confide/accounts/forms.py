"""allauth forms adapted to the key model: a password change re-wraps the private key."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from django.db import transaction

from confide.accounts import addresses
from confide.accounts.models import User
from confide.keys import services as keys
from confide.keys import vault as key_vault
from confide.keys import web as vault_web
from confide.keys.models import UserKeyPair


class ChangePasswordForm(AllauthChangePasswordForm):  # type: ignore[misc]
    """Changes the password and re-wraps the private key in one transaction.

    Nothing sealed with the key is re-encrypted; only the wrap around the private key changes.
    """

    def save(self) -> Any:
        with transaction.atomic():
            if UserKeyPair.objects.filter(user_id=self.user.pk).exists():
                keys.rewrap_private_key(self.user.pk, self.cleaned_data["oldpassword"], self.cleaned_data["password1"])
            return super().save()


class LoginForm(AllauthLoginForm):  # type: ignore[misc]
    """allauth's sign-in form, which also unlocks the person's key while the password is at hand.

    If MFA follows, the key waits wrapped in the (not yet signed-in) session; it is usable only
    once sign-in completes, and is dropped with the session otherwise. A portal client's account
    is found by the keyed hash of the address typed (confide/accounts/addresses.py).
    """

    def clean_login(self) -> str:
        login = str(super().clean_login())
        alias = addresses.portal_alias(login)
        return alias if User.objects.filter(email=alias).exists() else login

    def clean(self) -> Any:
        cleaned = super().clean()
        user = getattr(self, "user", None)
        practice_id = _practice_id_of(user)
        if user is not None and self.request is not None:
            try:
                # Someone in no practice still unlocks their key: it opens their second factor.
                vault = key_vault.vault_from_password(user.pk, practice_id or 0, cleaned["password"])
            except Exception:
                # Sign-in still works; the unlock page asks for the password when records are opened.
                return cleaned
            vault_web.start(self.request, vault)
        return cleaned


def _practice_id_of(user: Any) -> int | None:
    """The practice of a staff member or of a portal client (ADR 0008); None for anyone else."""
    if user is None:
        return None
    if hasattr(user, "membership"):
        return int(user.membership.practice_id)
    if hasattr(user, "client_account"):
        return int(user.client_account.practice_id)
    return None
