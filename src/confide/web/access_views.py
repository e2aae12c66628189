"""The access history page of a client's record."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from confide.auditlog import LogIntegrityError
from confide.records.access_history import INTEGRITY_MESSAGE, access_history
from confide.records.errors import NotFoundError
from confide.web.decorators import vault_required


@vault_required
@require_GET
def access_log(request: HttpRequest, client_id: str) -> HttpResponse:
    """Who opened which part of this record, when and why; each entry can be checked against the log."""
    try:
        history = access_history(request.vault, str(client_id))  # type: ignore[attr-defined]
    except NotFoundError:
        raise Http404 from None
    except LogIntegrityError:
        # A history with an entry missing or altered is refused, never shown incomplete (ADR 0014b).
        return HttpResponse(INTEGRITY_MESSAGE, status=409, content_type="text/plain; charset=utf-8")
    return render(request, "web/records/access_log.html", {"history": history, "client_id": client_id})
