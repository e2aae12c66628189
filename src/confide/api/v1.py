"""API v1: OpenAPI at /api/v1/openapi.json; errors are RFC 9457 problem details.

Every error answers `application/problem+json` with a 4xx status and a `detail` written by us:
bad JSON (400), a missing or bad token (401), no such record or no access to it (404), the wrong
method (405), a conflict (409), an oversized body (413), invalid fields (422). A 5xx on bad input
is a bug. docs/api.md describes the API for its users.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from confide import __version__
from confide.api import audit_log, clients, messages
from confide.api.auth import InvalidTokenError, TokenAuth
from confide.api.problems import PROBLEM_CONTENT_TYPE, problem
from confide.auditlog import LogIntegrityError
from confide.keys.vault import NoKeyError
from confide.portal.services import ConsentRequiredError
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError, StaleVersionError

logger = logging.getLogger("confide.api")

# Problems of type "about:blank" carry the status phrase as their title (RFC 9457 section 4.2.1);
# the one problem that needs telling apart from other conflicts has a type of its own.
INTEGRITY_PROBLEM = "urn:confide:problem:integrity-check-failed"
# Signing a progress note without the client's current consent needs `consent_reason` (ADR 0008).
CONSENT_PROBLEM = "urn:confide:problem:consent-required"


class ConfideAPI(NinjaAPI):
    """NinjaAPI whose "405 Method Not Allowed" answers are problem details too."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        """The OpenAPI document, with every error response documented as `application/problem+json`.

        ninja documents every response as `application/json`; the errors are sent as problem details.
        """
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status)[:1] in "45" and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls: list[URLResolver | URLPattern] = super()._get_urls()
        return [
            URLPattern(p.pattern, _problem_on_405(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern) else p
            for p in urls
        ]


def _problem_on_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type") != PROBLEM_CONTENT_TYPE:
            answer = problem(request, 405, "This method is not allowed here.")
            answer["Allow"] = response.get("Allow", "")
            return answer
        return response

    return wrapper


api = ConfideAPI(
    title="Confide API",
    version="1",
    description=(
        "The Confide API. Authenticate with a personal access token (`confide token create`): "
        "`Authorization: Bearer <token>`. Errors are RFC 9457 problem details. "
        "Someone without access to a record gets 404, exactly as if it did not exist."
    ),
    auth=TokenAuth(),
    docs_url=None,
    openapi_url="/openapi.json",
    urls_namespace="api-v1",
)
api.add_router("/", clients.router)
api.add_router("/", messages.router)
api.add_router("/", audit_log.router)


# ----------------------------------------------------------------------------- errors


def _field_problems(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Name each invalid field (a JSON Pointer for the body) with pydantic's message, never the value sent."""
    found = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        message = str(err.get("msg", "is not valid"))
        if loc and loc[0] == "body":
            # ninja reports ("body", <parameter name>, field, ...); the client only sees its body.
            pointer = "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in loc[2:])
            found.append({"detail": message, "pointer": pointer})
        else:
            found.append({"detail": message, "parameter": ".".join(loc[1:]) or "request"})
    return found


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if any(tuple(err.get("loc", ()))[:1] == ("path",) for err in exc.errors):
        # A malformed id in the path names nothing that exists.
        return problem(request, 404, "Not found.")
    return problem(request, 422, "The request is not valid.",
                   errors=_field_problems(exc.errors))


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(request, 401, "A valid personal access token is required: Authorization: Bearer <token>.")
    # RFC 6750: say which scheme, and whether the token that was sent is the problem.
    response["WWW-Authenticate"] = (
        'Bearer realm="confide", error="invalid_token"' if isinstance(exc, InvalidTokenError)
        else 'Bearer realm="confide"'
    )
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        # ninja's only 400 is a body that is not JSON; its DEBUG message would quote the parser.
        return problem(request, 400, "The request body is not valid JSON.")
    return problem(request, exc.status_code, str(exc))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem(request, 413, "The request body is too large.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "Not found.")


@api.exception_handler(NoKeyError)
def on_no_key(request: HttpRequest, exc: NoKeyError) -> HttpResponse:
    return problem(request, 404, "Not found.")


@api.exception_handler(LogIntegrityError)
def on_log_integrity_error(request: HttpRequest, exc: LogIntegrityError) -> HttpResponse:
    """The audit log (or a client's history in it) failed a check: nothing is shown (ADR 0014b)."""
    logger.error("Audit log integrity check failed for %s %s", request.method, request.path)
    return problem(request, 409, "The access record did not pass its integrity check, so it is not shown; "
                   "the practice owner has to run `confide audit verify`.", title="Integrity check failed",
                   type_=INTEGRITY_PROBLEM)


@api.exception_handler(RecordError)
def on_record_error(request: HttpRequest, exc: RecordError) -> HttpResponse:
    """Map the record services' errors; their messages are written to be shown and hold no client data."""
    if isinstance(exc, NotFoundError):
        return problem(request, 404, "Not found.")
    if isinstance(exc, StaleVersionError):
        return problem(request, 409, str(exc))
    if isinstance(exc, RecordIntegrityError):
        # Not the caller's fault and not retryable: the stored record was altered or moved. It is
        # a conflict between the request and the record's state, so 409, with a distinct type.
        logger.error("Integrity check failed for %s %s", request.method, request.path)
        return problem(request, 409, str(exc), title="Integrity check failed", type_=INTEGRITY_PROBLEM)
    if isinstance(exc, ConsentRequiredError):
        return problem(request, 422, str(exc), title="Consent required", type_=CONSENT_PROBLEM,
                       errors=[{"detail": str(exc), "pointer": "#/consent_reason"}])
    return problem(request, 422, str(exc))


# ----------------------------------------------------------------------------- meta


class Health(Schema):
    status: str
    version: str


@api.get("/health", response=Health, auth=None, tags=["meta"], summary="Service health")
def health(request: HttpRequest) -> dict[str, Any]:
    """Report that the API answers; carries no data."""
    return {"status": "ok", "version": __version__}
