"""The break-glass banner: on a client's pages, a live emergency access is always in view."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from confide.oversight.models import BreakGlassSession


def emergency(request: HttpRequest) -> dict[str, Any]:
    """`emergency_until`: when the signed-in person's break-glass access to this page's client ends.

    The key is always present (None without a session): a failed template lookup makes Django's
    template engine log the whole context, decrypted client data included, at DEBUG.
    """
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    client_id = match.kwargs.get("client_id") if match is not None else None
    if user is None or not user.is_authenticated or client_id is None:
        return {"emergency_until": None}
    try:
        client_id = uuid.UUID(str(client_id))
    except ValueError:
        return {"emergency_until": None}  # an API path with a malformed id: no banner, and no error
    until = (BreakGlassSession.objects.filter(user_id=user.pk, client__public_id=client_id, ended_at__isnull=True,
                                              expires_at__gt=timezone.now())
             .order_by("-expires_at").values_list("expires_at", flat=True).first())
    return {"emergency_until": until}
