"""RFC 9457 problem details: every API error is `application/problem+json` with a 4xx/5xx status.

A problem's `detail` is written by us and never contains client data; nothing of the request is
echoed back: validation errors name the field, not what was sent, and there is no `instance`
member, because a caller who put a name into a path would get it back in the error.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Schema

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
    }
    body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


class FieldProblem(Schema):
    """One invalid part of a request: `pointer` (a JSON Pointer into the body) or `parameter`."""

    detail: str
    pointer: str | None = None
    parameter: str | None = None


class Problem(Schema):
    """The body of every error response (RFC 9457); `errors` lists invalid fields on a 422."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None
