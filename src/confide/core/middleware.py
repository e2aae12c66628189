"""Headers that every response carries, beyond what Django's SecurityMiddleware sets."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The attribute a view sets on its response to be sent the video session's Permissions-Policy.
ALLOWS_CAMERA_AND_MICROPHONE = "confide_allows_camera_and_microphone"


def allow_camera_and_microphone(response: HttpResponse) -> HttpResponse:
    """Mark a response (a video session page, ADR 0021) as allowed to use the camera and microphone."""
    setattr(response, ALLOWS_CAMERA_AND_MICROPHONE, True)
    return response


class SecurityHeadersMiddleware:
    """Adds Permissions-Policy and forbids caching of anything the application renders.

    Every dynamic response gets `Cache-Control: no-store`: pages of a clinical record system
    may show client data, and a rule that covers all of them cannot be forgotten on a new view.
    Static files are served by WhiteNoise before this middleware and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only a video session page (which sets this marker) may use the camera and microphone.
        if getattr(response, ALLOWS_CAMERA_AND_MICROPHONE, False):
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY_VIDEO_SESSION
        else:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response
