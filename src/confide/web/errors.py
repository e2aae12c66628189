"""Error pages that show nothing of the request: no path, no parameters, no exception text.

Under /api/ they answer in RFC 9457 problem details instead of HTML.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from confide.api.problems import problem

_TEXT = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Not found", "There is nothing here, or you do not have access to it."),
    500: ("Something went wrong", "The error has been logged without any client information. Please try again."),
}


def _render(request: HttpRequest, status: int) -> HttpResponse:
    title, text = _TEXT[status]
    if request.path.startswith("/api/"):
        return problem(request, status, text, title=title)
    if status in (403, 404) and getattr(request, "user", None) is not None:
        # Inside the layout, so the menu is there to go on from; the page names nothing of the
        # request (no path, no parameters, no reason), only that there is nothing to show.
        html = render_to_string("web/not_found.html", {"title": title, "text": text, "status": status},
                                request=request)
        return HttpResponse(html, status=status)
    # Other errors are rendered without a request context on purpose: nothing from the request
    # (not even the user) can leak into them, and they must render when the database cannot.
    html = render_to_string("web/error.html", {"title": title, "text": text, "status": status})
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, 500)
