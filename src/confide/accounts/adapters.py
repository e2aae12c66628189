"""django-allauth adapters: closed sign-up (staff are invited) and branded MFA."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest

from confide.accounts.policy import is_portal_client


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """Nobody signs up on their own: accounts come from `confide init` or an invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if is_portal_client(getattr(request, "user", None)):
            return "/portal/"
        return str(settings.LOGIN_REDIRECT_URL)


class MfaAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    """Names the practice's TOTP entries "Confide" in authenticator apps."""

    def get_totp_label(self, user: Any) -> str:
        return str(user.email)
