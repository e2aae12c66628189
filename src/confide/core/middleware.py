"""Headers that every response carries, beyond what Django's SecurityMiddleware sets."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
        response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response
