"""The client's vault in the web app: the same session wrap and cookie as staff (keys/web.py)."""

from __future__ import annotations

import base64

from django.http import HttpRequest

from confide import crypto
from confide.keys import vault as keys
from confide.keys import web as vault_web
from confide.portal.models import ClientAccount


def get_client_vault(request: HttpRequest, account: ClientAccount) -> keys.Vault:
    """The signed-in client's vault for this request, or `VaultLockedError`."""
    cached = getattr(request, "_confide_vault", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    blob = request.session.get(vault_web.SESSION_KEY)
    raw = request.COOKIES.get(vault_web.cookie_name())
    if not blob or not raw:
        raise keys.VaultLockedError
    try:
        secret = base64.urlsafe_b64decode(raw + "==")
        vault = keys.vault_from_session(account.user_id, account.practice_id, blob, secret)
    except (ValueError, crypto.CryptoError):
        raise keys.VaultLockedError from None
    request._confide_vault = vault  # type: ignore[attr-defined]
    return vault
