"""RFC 9457 problem details: every API error is `application/problem+json` with a 4xx/5xx status."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    **extra: Any,
) -> JsonResponse:
    """Build a problem-details response. `detail` must never contain client data."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
