"""The access history page of a client's record."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from confide.auditlog import LogIntegrityError
from confide.records import access_history as access_records
from confide.records.access_history import INTEGRITY_MESSAGE, access_history, parse_before, present
from confide.records.errors import NotFoundError
from confide.web.decorators import vault_required


@vault_required
@require_GET
def access_log(request: HttpRequest, client_id: str) -> HttpResponse:
    """Who opened which part of this record, when and why, in visits; older pages behind "Show older"."""
    try:
        before = parse_before(request.GET.get("before", ""))
        history = access_history(request.vault, str(client_id), before=before,  # type: ignore[attr-defined]
                                 limit=access_records.DEFAULT_PAGE)
    except NotFoundError:
        raise Http404 from None
    except ValueError:
        return HttpResponse("That page of the access history does not exist.", status=400,
                            content_type="text/plain; charset=utf-8")
    except LogIntegrityError:
        # A history with an entry missing or altered is refused, never shown incomplete (ADR 0014b).
        return HttpResponse(INTEGRITY_MESSAGE, status=409, content_type="text/plain; charset=utf-8")
    view = present(history, who=request.GET.get("who", "")[:40], kind=request.GET.get("kind", "")[:40],
                   show_own=request.GET.get("own") == "1")
    return render(request, "web/records/access_log.html",
                  {"history": history, "view": view, "client_id": client_id, "before": before})
