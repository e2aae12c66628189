"""The short-lived signalling token and the time-limited TURN credentials of a video session.

A signalling token names one session, one side and one signed-in person, and is bound to that
person's browser session: it is useless without the session cookie, and the cookie is useless
without it. It lives `TOKEN_SECONDS` and every answer of the signalling endpoint carries a fresh
one, so a page left open keeps working and a copied token soon stops. Signed with Django's
signing (HMAC under SECRET_KEY), namespaced by its salt.

TURN credentials follow the TURN REST API scheme coturn implements (`use-auth-secret`): the
username is `<expiry>:<random id>` (no name or id of a person: coturn logs usernames) and the
password is computed by `confide.crypto.turn_rest_password` from the secret shared with coturn.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from django.conf import settings
from django.core import signing

from confide import crypto
from confide.telehealth.models import VideoSession

TOKEN_SECONDS = 10 * 60
_SALT = "confide.telehealth.signalling.v1"


class TokenError(Exception):
    """The signalling token is missing, expired, or for another session, side, person or browser."""


def _browser(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode("ascii", "replace")).hexdigest()[:32]


def issue_token(session: VideoSession, side: str, user_id: int, session_key: str | None) -> str:
    """A signalling token for this session, side, person and browser session."""
    return signing.dumps({"s": str(session.public_id), "d": side, "u": user_id, "b": _browser(session_key)},
                         salt=_SALT, compress=False)


def check_token(token: object, session: VideoSession, side: str, user_id: int, session_key: str | None) -> None:
    """Raise TokenError unless `token` is a live token for exactly this session, side, person and browser."""
    if not isinstance(token, str) or not token or len(token) > 512:
        raise TokenError("A signalling token is needed.")
    try:
        claims = signing.loads(token, salt=_SALT, max_age=TOKEN_SECONDS)
    except signing.SignatureExpired:
        raise TokenError("The signalling token has expired: reload the page.") from None
    except signing.BadSignature:
        raise TokenError("The signalling token is not valid.") from None
    expected = {"s": str(session.public_id), "d": side, "u": user_id, "b": _browser(session_key)}
    if not isinstance(claims, dict) or any(claims.get(k) != v for k, v in expected.items()):
        raise TokenError("The signalling token is not for this session.")


def turn_credentials(now: float | None = None) -> tuple[str, str, int]:
    """A fresh TURN username and password, and when they expire (Unix time)."""
    secret = settings.CONFIDE_TURN_SECRET
    if not secret:
        raise ValueError("CONFIDE_TURN_SECRET is not set")
    expiry = int(now if now is not None else time.time()) + settings.CONFIDE_TURN_TTL_SECONDS
    username = f"{expiry}:{secrets.token_hex(8)}"
    return username, crypto.turn_rest_password(secret.encode("utf-8"), username), expiry


def ice_servers() -> list[dict[str, Any]]:
    """The RTCPeerConnection `iceServers`: STUN, and TURN with time-limited credentials when configured."""
    servers: list[dict[str, Any]] = []
    if settings.CONFIDE_STUN_URLS:
        servers.append({"urls": list(settings.CONFIDE_STUN_URLS)})
    if settings.CONFIDE_TURN_URLS and settings.CONFIDE_TURN_SECRET:
        username, password, _ = turn_credentials()
        servers.append({"urls": list(settings.CONFIDE_TURN_URLS), "username": username, "credential": password})
    return servers


def relay_available() -> bool:
    """True when a TURN relay is configured (so a side may ask to hide its address behind it)."""
    return bool(settings.CONFIDE_TURN_URLS and settings.CONFIDE_TURN_SECRET)
