"""Session rules: sign out after inactivity, and require MFA before any work."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from confide.accounts.policy import idle_timeout_seconds, needs_mfa_enrolment, request_membership

LAST_ACTIVITY_KEY = "confide_last_activity"
ACTIVITY_RESOLUTION_SECONDS = 30

# Paths a signed-in person without MFA may still reach: enrolment itself, signing out, assets.
MFA_ENROLMENT_PATHS = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/account/security/",
    "/session/",
    "/static/",
)


class IdleTimeoutMiddleware:
    """Ends a session after the practice's idle timeout.

    The last activity time is kept in the server-side session, so every worker process
    sees the same clock. The `/session/status` poll from the warning dialog does not count
    as activity; `/session/keepalive` does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            timeout = idle_timeout_seconds(user, request_membership(request))
            last = request.session.get(LAST_ACTIVITY_KEY)
            if isinstance(last, (int, float)) and now - last > timeout:
                logout(request)
                if request.path.startswith(("/api/", "/session/")) or request.headers.get("HX-Request"):
                    return JsonResponse({"signed_in": False}, status=401)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(f"{settings.LOGIN_URL}?expired=1")
            # Written at most every 30 seconds: each write is a database write of the session.
            if request.path != "/session/status" and (
                not isinstance(last, (int, float)) or now - last >= ACTIVITY_RESOLUTION_SECONDS
                or request.path == "/session/keepalive"
            ):
                request.session[LAST_ACTIVITY_KEY] = now
                request._confide_activity_recorded = True  # type: ignore[attr-defined]
        return self.get_response(request)


class RequireMfaMiddleware:
    """Sends signed-in staff without a second factor to enrolment when their practice requires one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_ENROLMENT_PATHS)
            and needs_mfa_enrolment(user, request_membership(request))
        ):
            return redirect("account-security")
        return self.get_response(request)


class ThrottledUserSessionsMiddleware:
    """allauth's session tracking, but only when the idle timer recorded activity (every 30 s at most).

    allauth would write the session's "last seen" row on every request; the list of signed-in
    devices does not need that precision, and each write costs a database transaction.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from allauth.usersessions.internal import usersessionkit

        if getattr(request, "_confide_activity_recorded", False):
            usersessionkit.track_activity(request, user=getattr(request, "user", None),
                                          session=getattr(request, "session", None))
        return self.get_response(request)
