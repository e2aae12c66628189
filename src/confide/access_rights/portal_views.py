"""The client's side of the right of access, in the portal: ask for a copy, download it, ask for a change.

For a signed-in client only (`client_required`: staff get 403). Another client's ids answer 404.
Nothing about the client goes into a URL, a title, a flash message or a file name.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.access_rights import grounds, services
from confide.access_rights.services import AccessRightsError
from confide.portal.views import client_required, no_store, request_account, request_vault
from confide.records.errors import NotFoundError


class AmendmentForm(forms.Form):
    text = forms.CharField(
        label="What in your record should change, and why?", max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Say what should change, and why.",
                        "max_length": f"Keep it under {services.MAX_TEXT} characters."})


def _page(request: HttpRequest, form: AmendmentForm | None = None, status: int = 200,
          error: str = "") -> HttpResponse:
    requests, amendments = services.own_requests(request_vault(request), request_account(request))
    return no_store(render(request, "access_rights/portal/record.html", {
        "requests": requests, "amendments": amendments, "form": form or AmendmentForm(), "error": error,
        "pending": any(r.request.status == "pending" for r in requests),
        "excluded": grounds.PSYCHOTHERAPY_NOTES_EXCLUDED, "response_days": grounds.RESPONSE_DAYS,
        "right_to_review": grounds.RIGHT_TO_REVIEW,
    }, status=status))


@client_required
@require_GET
def record(request: HttpRequest) -> HttpResponse:
    """Your record: ask for a copy, see the answer, download the copy, ask for a change."""
    try:
        return _page(request)
    except NotFoundError:
        raise Http404 from None


@client_required
@require_POST
def request_copy(request: HttpRequest) -> HttpResponse:
    """Ask for a copy of the whole record (one open request at a time)."""
    try:
        services.request_copy(request_vault(request), request_account(request))
    except NotFoundError:
        raise Http404 from None
    except AccessRightsError as exc:
        return _page(request, status=400, error=str(exc))
    messages.success(request, "Your request is sent. Your practice answers within 30 days.")
    return redirect("portal-record")


@client_required
@require_GET
def download(request: HttpRequest, copy_id: str) -> HttpResponse:
    """Download a delivered copy (PDF or FHIR JSON), named generically."""
    try:
        content, content_type, filename = services.download_copy(request_vault(request), request_account(request),
                                                                 str(copy_id))
    except NotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return no_store(response)


@client_required
@require_POST
def request_review(request: HttpRequest, access_request_id: str) -> HttpResponse:
    """Ask for a denial to be reviewed."""
    try:
        services.request_review(request_vault(request), request_account(request), str(access_request_id))
    except NotFoundError:
        raise Http404 from None
    except AccessRightsError as exc:
        return _page(request, status=400, error=str(exc))
    messages.success(request, "You asked for a review. Your practice will tell you the outcome.")
    return redirect("portal-record")


@client_required
@require_http_methods(["POST"])
def request_amendment(request: HttpRequest) -> HttpResponse:
    """Ask for a change to the record (164.526)."""
    form = AmendmentForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        services.request_amendment(request_vault(request), request_account(request), text=form.cleaned_data["text"])
    except NotFoundError:
        raise Http404 from None
    except AccessRightsError as exc:
        form.add_error("text", str(exc))
        return _page(request, form=form, status=400)
    messages.success(request, "Your request for a change is sent to your practice.")
    return redirect("portal-record")
