"""System checks of the video session settings: refuse what would silently break or weaken them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

MIN_TURN_SECRET = 32


def check_turn_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """STUN/TURN URLs must be STUN/TURN URLs; a TURN server needs its secret, long enough in production."""
    found: list[CheckMessage] = []
    for name, schemes in (("CONFIDE_STUN_URLS", ("stun:", "stuns:")), ("CONFIDE_TURN_URLS", ("turn:", "turns:"))):
        for url in getattr(settings, name):
            if not url.startswith(schemes):
                found.append(Error(f"{name} has an entry that is not a {' or '.join(schemes)} URL.",
                                   hint="For example turn:turn.example.org:3478?transport=udp.",
                                   id="confide.telehealth.E001"))
    secret = settings.CONFIDE_TURN_SECRET
    if settings.CONFIDE_TURN_URLS and not secret:
        found.append(Warning("CONFIDE_TURN_URLS is set but CONFIDE_TURN_SECRET is not: no TURN relay is offered.",
                             hint="Set CONFIDE_TURN_SECRET_FILE to the file holding coturn's static-auth-secret.",
                             id="confide.telehealth.W001"))
    if secret and settings.MODE == "production" and len(secret) < MIN_TURN_SECRET:
        found.append(Error(f"CONFIDE_TURN_SECRET is shorter than {MIN_TURN_SECRET} characters.",
                           hint="Use `openssl rand -hex 32` (docs/operators.md, Video sessions).",
                           id="confide.telehealth.E002"))
    return found
