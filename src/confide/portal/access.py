"""The client's access history in the portal: visits page by page, and the whole history as CSV or PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, NoReturn

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from confide.auditlog import LogIntegrityError
from confide.portal import services
from confide.portal.views import client_required, no_store, request_account
from confide.records import access_history as access_records
from confide.records.access_history import INTEGRITY_MESSAGE, AccessHistory, parse_before, present

CSV_COLUMNS = ["When (UTC, ISO 8601)", "Who", "What", "Why", "Outcome", "Kind of event", "Log position",
               "Leaf hash (SHA-256)"]


def _refused() -> HttpResponse:
    # A history with an entry missing or altered is refused, never shown incomplete (ADR 0014b).
    return no_store(HttpResponse(INTEGRITY_MESSAGE, status=409, content_type="text/plain; charset=utf-8"))


@client_required
@require_GET
def access_history(request: HttpRequest) -> HttpResponse:
    """Every access to the client's record in visits, page by page, with what is needed to check each entry."""
    try:
        before = parse_before(request.GET.get("before", ""))
        history = services.own_access_history(request_account(request), before=before,
                                              limit=access_records.DEFAULT_PAGE)
    except ValueError:
        return no_store(HttpResponse("That page of your access history does not exist.", status=400,
                                     content_type="text/plain; charset=utf-8"))
    except LogIntegrityError:
        return _refused()
    view = present(history, who=request.GET.get("who", "")[:40], kind=request.GET.get("kind", "")[:40],
                   show_own=request.GET.get("own") == "1")
    return no_store(render(request, "portal/access.html", {"history": history, "view": view, "before": before}))


def history_csv(history: AccessHistory) -> bytes:
    """The whole history as CSV (UTF-8 with a byte-order mark, so spreadsheets read it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in history.entries:
        # A cell starting with = + - @ would be read as a formula by a spreadsheet; none of these can
        # (they are fixed phrases, names and hashes), but names come from staff accounts: neutralise.
        words = (_cell(v) for v in (e.who, e.what, e.why, e.outcome, e.tag))
        writer.writerow([e.at.astimezone(dt.UTC).isoformat(timespec="seconds"), *words,
                         e.position, e.leaf_hash])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    # The file is built from its own HTML only: a font, image or URL fetch is refused.
    raise ValueError("The access history PDF loads no outside resources.")


def _render_pdf(template: str, context: dict[str, Any]) -> bytes:
    import weasyprint  # imported here: it loads system libraries that most requests never need

    return bytes(weasyprint.HTML(string=render_to_string(template, context), url_fetcher=_refuse_fetch).write_pdf())


@client_required
@require_GET
def access_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole access history, checked complete, as a CSV or PDF file (the read is logged)."""
    try:
        history = services.whole_access_history(request_account(request))
    except LogIntegrityError:
        return _refused()
    if fmt == "csv":
        response = HttpResponse(history_csv(history), content_type="text/csv; charset=utf-8")
    else:
        view = present(history, show_own=True)
        pdf = _render_pdf("portal/access_pdf.html", {"history": history, "view": view,
                                                      "practice": request_account(request).practice})
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="access-history.{fmt}"'
    return no_store(response)
