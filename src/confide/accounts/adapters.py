"""django-allauth adapters: closed sign-up (staff are invited) and branded MFA."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest

from confide.accounts import addresses, guessing, mfa_secrets
from confide.accounts.policy import is_portal_client
from confide.notifications.outbox import queue_mail


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """Nobody signs up on their own: accounts come from `confide init` or an invitation."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The account's opaque id, or a keyed hash of an unknown address: never the address."""
        login = credentials.get("email", credentials.get("username", "")) or ""
        return guessing.key_for_address(str(login))

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        """A wrong password at sign-in: alert the owner when it spent the account's budget."""
        login = credentials.get("email", credentials.get("username", "")) or ""
        user_id = guessing.resolve_address(str(login))
        if user_id is not None:
            guessing.notice_burst(request, user_id, "sign-in")

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's e-mails go through the outbox and `confide worker`, like every other."""
        message = self.render_mail(template_prefix, email, context)
        queue_mail(kind="account", subject=str(message.subject), body=str(message.body), to=list(message.to))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if is_portal_client(getattr(request, "user", None)):
            return "/portal/"
        return str(settings.LOGIN_REDIRECT_URL)


class MfaAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    """Names the practice's TOTP entries "Confide" in authenticator apps, and opens sealed seeds.

    `encrypt` leaves the value as it is: the row's `pre_save` receiver seals it to the person
    (it alone knows whose row it is); `decrypt` opens it with the key unlocked at sign-in
    (confide/accounts/mfa_secrets.py, ADR 0013).
    """

    def encrypt(self, text: str) -> str:
        return text

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.open_secret(encrypted_text)

    def get_totp_label(self, user: Any) -> str:
        # A portal client's stored address is only a keyed hash; their app shows "Confide portal".
        return "Confide portal" if addresses.is_alias(str(user.email)) else str(user.email)
