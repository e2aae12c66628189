"""Pages of consultations: prepare and review (the care team), read and reply (the consultant),
and the passcode page of a release link. Thin views; refusals are 404s; paths hold opaque ids."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from confide.consultation import services
from confide.keys.vault import Vault
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError
from confide.web.decorators import vault_required

logger = logging.getLogger(__name__)
View = Callable[..., HttpResponse]


def _vault(request: HttpRequest) -> Vault:
    return request.vault  # type: ignore[attr-defined,no-any-return]


def consultation_page(view: View) -> View:
    """A signed-in staff member with an unlocked vault; missing keys and records are 404s."""

    @vault_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            raise Http404 from None
        except RecordIntegrityError:
            logger.error("A consultation failed its integrity check at %s", request.path)
            return render(request, "web/records/integrity.html", status=500)

    return wrapper


@consultation_page
@require_GET
def client_consultations(request: HttpRequest, client_id: str) -> HttpResponse:
    """A client's consultations (care team)."""
    rows = services.list_for_client(_vault(request), client_id)
    return render(request, "consultation/list.html", {"client_id": client_id, "rows": rows})


@consultation_page
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, client_id: str) -> HttpResponse:
    """Choose notes and plan sections, write the question; de-identify into a draft."""
    vault = _vault(request)
    notes = services.selectable_notes(vault, client_id)
    error = ""
    if request.method == "POST":
        try:
            consultation = services.prepare(
                vault, client_id, question=request.POST.get("question", ""),
                note_ids=request.POST.getlist("notes"), plan_sections=request.POST.getlist("plan"),
                extra_identifiers=request.POST.get("identifiers", ""),
                style=request.POST.get("style", "placeholders"), dates=request.POST.get("dates", "shift"))
        except RecordError as exc:
            error = str(exc)
        else:
            return redirect("consultation", client_id, consultation.public_id)
    return render(request, "consultation/new.html", {
        "client_id": client_id, "notes": notes, "plan_sections": services.PLAN_SECTIONS.items(), "error": error,
        "posted": request.POST if request.method == "POST" else {}}, status=400 if error else 200)


@consultation_page
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, client_id: str, consultation_id: str) -> HttpResponse:
    """Review (undo, add, approve), share, and see the consultant's replies."""
    vault = _vault(request)
    error = ""
    issued = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "undo":
                services.undo_span(vault, client_id, consultation_id, section=int(request.POST.get("section", "-1")),
                                   start=int(request.POST.get("start", "-1")))
            elif action == "add":
                services.add_phrase(vault, client_id, consultation_id, phrase=request.POST.get("phrase", ""))
            elif action == "approve":
                services.approve(vault, client_id, consultation_id)
                messages.success(request, "The summary is approved. You can share it now.")
            elif action == "share":
                services.share_with(vault, client_id, consultation_id,
                                    consultant_id=int(request.POST.get("consultant", "0") or 0),
                                    site_url=request.build_absolute_uri("/").rstrip("/"))
                messages.success(request, "Shared. The consultant can read the summary, and nothing else.")
            elif action == "link":
                issued = services.create_link(vault, client_id, consultation_id)
            elif action == "file":
                services.file_reply(vault, client_id, consultation_id, request.POST.get("reply", ""))
                messages.success(request, "The reply is filed into the record as a draft progress note.")
            else:
                error = "Choose an action."
        except ValueError:
            error = "That request was not understood."
        except RecordError as exc:
            error = str(exc)
        if not error and issued is None:
            return redirect("consultation", client_id, consultation_id)
    page = services.detail(vault, client_id, consultation_id)
    review = page.review
    sections = [(index, section, review.segments(index), review.output[index])
                for index, section in enumerate(review.sections)]
    uncertain = sum(1 for spans in review.spans for s in spans if s.uncertain)
    return render(request, "consultation/detail.html", {
        "client_id": client_id, "c": review.consultation, "sections": sections, "page": page, "error": error,
        "uncertain": uncertain, "issued": issued,
        "link_url": request.build_absolute_uri(f"/consult/{issued.token}/") if issued else "",
        "consultants": services.consultants(vault, review.consultation) if page.summary else [],
        "shared_ids": {s.consultant_id for s in page.shares}}, status=400 if error else 200)


# ----------------------------------------------------------------------------- the consultant


@consultation_page
@require_GET
def shared_list(request: HttpRequest) -> HttpResponse:
    """Summaries shared with me for consultation."""
    return render(request, "consultation/shared_list.html", {"rows": services.shared_with_me(_vault(request))})


@consultation_page
@require_http_methods(["GET", "POST"])
def shared(request: HttpRequest, consultation_id: str) -> HttpResponse:
    """The de-identified summary, and the reply form (the consultant's page)."""
    vault = _vault(request)
    error = ""
    if request.method == "POST":
        try:
            services.reply(vault, consultation_id, body=request.POST.get("body", ""))
        except RecordError as exc:
            error = str(exc)
        else:
            messages.success(request, "Your reply is sent to the clinician.")
            return redirect("consultation-shared", consultation_id)
    summary = services.open_shared(vault, consultation_id)
    return render(request, "consultation/shared.html", {"s": summary, "error": error},
                  status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """A release link's page: the passcode form, then the summary. Names nothing before the passcode."""
    context: dict[str, Any] = {"error": "", "text": ""}
    status = 200
    if not services.link_available(token):
        return render(request, "consultation/link.html", {"closed": True}, status=404)
    if request.method == "POST":
        try:
            context["text"] = services.open_link(token, request.POST.get("passcode", ""))
        except services.WrongPasscodeError as exc:
            context["error"] = f"The passcode is not correct; {exc.remaining} attempts are left."
            status = 400
        except services.LinkUnavailableError:
            return render(request, "consultation/link.html", {"closed": True}, status=404)
    return render(request, "consultation/link.html", context, status=status)

