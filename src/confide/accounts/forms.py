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
        # The new hash first (allauth's save), then the wrap on its derivation: one Argon2id for
        # both (ADR 0022), and the old password opens the key with one more.
        with transaction.atomic(), keys.password_derivations():
            has_keys = UserKeyPair.objects.filter(user_id=self.user.pk).exists()
            private = keys.unlock_private_key(self.user.pk, self.cleaned_data["oldpassword"]) if has_keys else None
            result = super().save()
            if private is not None:
                UserKeyPair.objects.filter(user_id=self.user.pk).update(
                    password_wrap=keys.password_wrap(self.user.pk, private, self.cleaned_data["password1"]))
            return result


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
        # One Argon2id: the hasher's check leaves its derivation for the key's unlock (ADR 0022).
        with keys.password_derivations():
            cleaned = super().clean()
            user = getattr(self, "user", None)
            practice_id = _practice_id_of(user)
            if user is not None and self.request is not None:
                try:
                    # Someone in no practice still unlocks their key: it opens their second factor.
                    private = keys.unlock_and_follow_hash(user, cleaned["password"])
                except Exception:
                    # Sign-in still works; the unlock page asks for the password when records are opened.
                    return cleaned
                vault_web.start(self.request, key_vault.Vault(user_id=user.pk, practice_id=practice_id or 0,
                                                              private_key=private))
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
