"""Writes the refusals of a request to the audit log once its response is ready (records.denials)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from confide.records import denials


class DenialAuditMiddleware:
    """Collects `client_in_vault` refusals during the request and audits them afterwards.

    Afterwards, because the view's transaction may have rolled back with the refusal; the events
    are written in their own transaction, aggregated per person (see `confide.records.denials`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with denials.collecting() as pending:
            response = self.get_response(request)
        if pending:
            denials.flush(pending)
        return response
