"""New-device sign-in alerts.

A device is a long-lived random cookie set at sign-in (only its SHA-256 is stored) together with
the browser family read from the User-Agent (for example "Firefox on Linux"). A sign-in whose
cookie is unknown for that person, or known but from another browser family, is a new device and
alerts the owner. A person's very first sign-in is not an alert: every account has one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from confide.oversight.alerts import raise_alert
from confide.oversight.models import Alert, KnownDevice

COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers allow
_PENDING = "_confide_device_token"

_BROWSERS = (("Edge", r"Edg(e|A|iOS)?/"), ("Opera", r"OPR/"), ("Firefox", r"Firefox/|FxiOS/"),
             ("Chrome", r"Chrome/|CriOS/|Chromium/"), ("Safari", r"Safari/"))
_SYSTEMS = (("Android", r"Android"), ("iOS", r"iPhone|iPad|iPod"), ("Windows", r"Windows"),
            ("macOS", r"Mac OS X|Macintosh"), ("ChromeOS", r"CrOS"), ("Linux", r"Linux|X11"))


def cookie_name() -> str:
    return "__Host-confide_device" if settings.SESSION_COOKIE_SECURE else "confide_device"


def browser_family(user_agent: str) -> str:
    """A coarse browser family such as "Firefox on Linux": stable across browser updates."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "Other browser")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "other system")
    return f"{browser} on {system}"


def token_hash(token: str) -> str:
    return hashlib.sha256(b"confide/device\0" + token.encode("utf-8")).hexdigest()


def note_sign_in(request: HttpRequest, user_id: int, practice_id: int | None) -> bool:
    """Remember the device of a sign-in; returns True (and alerts the owner) when it is new."""
    token = request.COOKIES.get(cookie_name(), "")
    if not re.fullmatch(r"[A-Za-z0-9_\-]{43}", token):
        token = secrets.token_urlsafe(32)
    setattr(request, _PENDING, token)
    family = browser_family(request.headers.get("user-agent", ""))[:64]
    digest = token_hash(token)
    now = timezone.now()
    if KnownDevice.objects.filter(user_id=user_id, token_hash=digest, family=family).update(last_seen=now):
        return False
    first_ever = not KnownDevice.objects.filter(user_id=user_id).exists()
    KnownDevice.objects.create(user_id=user_id, token_hash=digest, family=family, first_seen=now, last_seen=now)
    if first_ever or practice_id is None or not settings.CONFIDE_ALERT_NEW_DEVICE:
        return not first_ever
    raise_alert(practice_id, Alert.Kind.NEW_DEVICE, user_id, detail=family)
    return True


def on_signed_in(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """After a completed sign-in: check the device (the cookie is set by the middleware)."""
    if request is None:
        return
    membership = getattr(user, "membership", None)
    note_sign_in(request, user.pk, membership.practice_id if membership is not None else None)


def connect() -> None:
    user_logged_in.connect(on_signed_in, dispatch_uid="confide.oversight.device")


class DeviceCookieMiddleware:
    """Sets (or refreshes) the device cookie after a sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        token = getattr(request, _PENDING, None)
        if token is not None:
            response.set_cookie(cookie_name(), token, max_age=COOKIE_MAX_AGE, secure=settings.SESSION_COOKIE_SECURE,
                                httponly=True, samesite="Lax", path="/")
        return response
