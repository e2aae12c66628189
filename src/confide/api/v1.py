"""API v1: OpenAPI at /api/v1/openapi.json; errors are RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from confide import __version__
from confide.api.problems import problem

api = NinjaAPI(
    title="Confide API",
    version="1",
    description=(
        "The Confide API. Authenticate with a personal access token: `Authorization: Bearer <token>`. "
        "Errors are RFC 9457 problem details. Someone without access to a record gets 404."
    ),
    docs_url=None,
    openapi_url="/openapi.json",
    urls_namespace="api-v1",
)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"location": ".".join(str(p) for p in err.get("loc", [])), "message": err.get("msg", "invalid")}
        for err in exc.errors
    ]
    return problem(request, 422, "The request is not valid.", title="Invalid request", errors=errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, "A valid personal access token is required.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "Not found.")


class Health(Schema):
    status: str
    version: str


@api.get("/health", response=Health, auth=None, tags=["meta"], summary="Service health")
def health(request: HttpRequest) -> dict[str, Any]:
    """Report that the API answers; carries no data."""
    return {"status": "ok", "version": __version__}
