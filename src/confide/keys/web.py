"""The vault in the web app: the private key travels between requests wrapped in the session.

At sign-in (or on the unlock page) the private key is wrapped under a fresh 32-byte secret. The
wrapped key goes into the server-side session; the secret goes into an HttpOnly, SameSite=Strict
cookie. Neither alone opens anything, the unwrapped key never reaches disk, and any worker
process can rebuild the vault from the two.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from confide import crypto
from confide.accounts.policy import is_emergency_holder, request_membership
from confide.keys import vault as keys

SESSION_KEY = "confide_vault"
_PENDING = "_confide_vault_secret"


def cookie_name() -> str:
    """`__Host-` prefixed over HTTPS, so the cookie is bound to this exact origin."""
    return "__Host-confide_vault" if settings.SESSION_COOKIE_SECURE else "confide_vault"


def start(request: HttpRequest, vault: keys.Vault) -> None:
    """Remember the unlocked vault for this session (the middleware sets the cookie)."""
    blob, secret = keys.seal_session_key(vault)
    request.session[SESSION_KEY] = blob
    setattr(request, _PENDING, secret)
    request._confide_vault = vault  # type: ignore[attr-defined]


def unlock_with_password(request: HttpRequest, password: str) -> keys.Vault:
    """Unlock the signed-in person's key with their password. Raises `crypto.WrongPasswordError`."""
    user = request.user
    membership = user.membership  # type: ignore[union-attr]
    vault = keys.vault_from_password(membership.user_id, membership.practice_id, password)
    start(request, vault)
    return vault


def get_vault(request: HttpRequest) -> keys.Vault:
    """The signed-in person's vault for this request, or `VaultLockedError`."""
    cached = getattr(request, "_confide_vault", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    user = request.user
    blob = request.session.get(SESSION_KEY)
    raw = request.COOKIES.get(cookie_name())
    membership = request_membership(request) if user.is_authenticated else None
    if not blob or not raw or membership is None:
        raise keys.VaultLockedError
    try:
        secret = base64.urlsafe_b64decode(raw + "==")
        vault = keys.vault_from_session(membership.user_id, membership.practice_id, blob, secret,
                                        emergency_holder=is_emergency_holder(membership.user))
    except (ValueError, crypto.CryptoError):
        raise keys.VaultLockedError from None
    request._confide_vault = vault  # type: ignore[attr-defined]
    return vault


class VaultCookieMiddleware:
    """Sets the vault cookie after an unlock and removes it once the session is gone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        secret = getattr(request, _PENDING, None)
        name = cookie_name()
        if secret is not None:
            # Set even while a second factor is still pending: the session holding the wrapped
            # key only becomes a signed-in session once that factor is given.
            response.set_cookie(name, base64.urlsafe_b64encode(secret).decode("ascii").rstrip("="),
                                secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Strict", path="/")
        elif name in request.COOKIES and not request.session.get(SESSION_KEY):
            response.delete_cookie(name, path="/", samesite="Strict")
        return response


def private_key_in_session(request: HttpRequest, user_id: int) -> crypto.UserPrivateKey | None:
    """The private key `user_id` unlocked in this browser session, signed in yet or not.

    Used while a sign-in waits for its second factor: the password step left the key wrapped in
    the session and its secret in the cookie. None when the key is not unlocked here.
    """
    cached = getattr(request, "_confide_vault", None)
    if cached is not None:
        return cached.private_key if cached.user_id == user_id else None
    blob = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    raw = getattr(request, _PENDING, None)
    try:
        secret = raw if isinstance(raw, bytes) else base64.urlsafe_b64decode(request.COOKIES[cookie_name()] + "==")
        if not blob:
            return None
        return keys.vault_from_session(user_id, 0, blob, secret, emergency_holder=False).private_key
    except (KeyError, ValueError, crypto.CryptoError):
        return None
