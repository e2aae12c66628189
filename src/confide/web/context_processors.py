"""Values every page needs: the signed-in person's practice, role and session timing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from confide.accounts.policy import request_membership


def confide(request: HttpRequest) -> dict[str, Any]:
    """Expose membership, idle timeout and the product's mode to templates."""
    context: dict[str, Any] = {"confide_mode": settings.MODE}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        membership = request_membership(request)
        context["membership"] = membership
        if membership is not None:
            context["idle_seconds"] = membership.practice.session_idle_minutes * 60
            context["idle_warning_seconds"] = settings.CONFIDE_SESSION_WARNING_SECONDS
    return context
