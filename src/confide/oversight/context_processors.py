"""The break-glass banner and menu: on a client's pages, a live emergency access is always in view."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from confide.accounts.policy import is_emergency_holder, request_membership
from confide.oversight.models import BreakGlassSession


@dataclass(frozen=True)
class _Emergency:
    holder: bool
    until: dt.datetime | None


_NOBODY = _Emergency(holder=False, until=None)


def emergency(request: HttpRequest) -> dict[str, Any]:
    """`emergency_holder`: whether the signed-in person holds emergency access (the menu shows it);
    `emergency_until`: when their break-glass access to this page's client ends (the banner).

    Both keys are always present (False and None by default): a failed template lookup makes
    Django's template engine log the whole context, decrypted client data included, at DEBUG.

    Asked once per request and shared by the menu and the banner: whether the person is a holder
    (one query; none for someone who is not a practice member, such as a portal client) and, only
    for a holder on a client's page, their live session for that client. A break-glass session
    opens nothing for someone who is not a holder (`EmergencyWraps.active_clients`), and
    withdrawing a holder ends their sessions, so nobody else can be under one.
    """
    found = _emergency_of(request)
    return {"emergency_holder": found.holder, "emergency_until": found.until}


def _emergency_of(request: HttpRequest) -> _Emergency:
    cached: _Emergency | None = getattr(request, "_confide_emergency", None)
    if cached is None:
        cached = _look_up(request)
        request._confide_emergency = cached  # type: ignore[attr-defined]
    return cached


def _page_client_id(request: HttpRequest) -> uuid.UUID | None:
    match = getattr(request, "resolver_match", None)
    client_id = match.kwargs.get("client_id") if match is not None else None
    if client_id is None:
        return None
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        return None  # an API path with a malformed id: no banner, and no error


def _look_up(request: HttpRequest) -> _Emergency:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return _NOBODY

    membership = request_membership(request)
    if membership is None:
        return _NOBODY  # holders are designated among the practice's members
    if not is_emergency_holder(membership.user):  # loaded with the user at sign-in: no query
        return _NOBODY
    client_id = _page_client_id(request)
    if client_id is None:
        return _Emergency(holder=True, until=None)
    until = (BreakGlassSession.objects.filter(user_id=user.pk, client__public_id=client_id, ended_at__isnull=True,
                                              expires_at__gt=timezone.now())
             .order_by("-expires_at").values_list("expires_at", flat=True).first())
    return _Emergency(holder=True, until=until)
