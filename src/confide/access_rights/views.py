"""The practice's pages for the right of access: the list of requests with due dates, and the review.

Owners see every open request of the practice; clinicians those of their own clients. Reviewing
needs the client's clinical and portal keys (a clinician on the care team). Only opaque UUIDs go
into paths; titles are generic; refusals are 404s.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from confide.access_rights import grounds, services
from confide.access_rights.services import AccessRightsError
from confide.web.record_pages import record_page, request_vault


class DenyForm(forms.Form):
    ground = forms.ChoiceField(label="Ground of the denial", widget=forms.RadioSelect,
                               choices=[(g.code, f"{g.title} ({g.citation})") for g in grounds.DENIAL_GROUNDS],
                               error_messages={"required": "Choose the ground of the denial."})
    explanation = forms.CharField(label="Explanation to the client", max_length=services.MAX_TEXT,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"required": "Write the explanation the client will read."})


class ExtendForm(forms.Form):
    reason = forms.CharField(label="Why more time is needed (the client reads this)", max_length=services.MAX_TEXT,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Write why more time is needed."})


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", widget=forms.RadioSelect,
                                 choices=[("accepted", "Accept the change"), ("denied", "Deny the change")],
                                 error_messages={"required": "Choose accept or deny."})
    answer = forms.CharField(label="Answer to the client", max_length=services.MAX_TEXT,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "Write the answer the client will read."})


@record_page
@require_GET
def practice_list(request: HttpRequest) -> HttpResponse:
    """Open requests for a copy of the record, earliest due first, overdue ones marked."""
    show_all = request.GET.get("all") == "1"
    rows = services.practice_requests(request_vault(request), include_closed=show_all)
    return render(request, "access_rights/requests.html", {"rows": rows, "show_all": show_all,
                                                           "response_days": grounds.RESPONSE_DAYS})


def _review_page(request: HttpRequest, client_id: str, *, deny_form: DenyForm | None = None,
                 extend_form: ExtendForm | None = None, answer_form: AnswerForm | None = None,
                 status: int = 200, error: str = "") -> HttpResponse:
    client, requests, amendments = services.client_requests(request_vault(request), client_id)
    return render(request, "access_rights/review.html", {
        "client_id": client.public_id, "requests": requests, "amendments": amendments,
        "deny_form": deny_form or DenyForm(), "extend_form": extend_form or ExtendForm(),
        "answer_form": answer_form or AnswerForm(), "grounds": grounds.DENIAL_GROUNDS,
        "excluded": grounds.PSYCHOTHERAPY_NOTES_EXCLUDED, "right_to_review": grounds.RIGHT_TO_REVIEW,
        "error": error,
    }, status=status)


@record_page
@require_GET
def review(request: HttpRequest, client_id: str) -> HttpResponse:
    """A client's requests: deliver the copy, extend once, or deny on a cited ground; answer amendments."""
    return _review_page(request, str(client_id))


@record_page
@require_POST
def fulfil(request: HttpRequest, client_id: str, access_request_id: str) -> HttpResponse:
    """Make the copy and deliver it to the client's portal."""
    try:
        services.fulfil(request_vault(request), str(client_id), str(access_request_id))
    except AccessRightsError as exc:
        return _review_page(request, str(client_id), status=400, error=str(exc))
    messages.success(request, "The copy is in the client's portal.")
    return redirect("access-review", client_id=client_id)


@record_page
@require_POST
def deny(request: HttpRequest, client_id: str, access_request_id: str) -> HttpResponse:
    """Deny the request on a cited ground, with an explanation."""
    form = DenyForm(request.POST)
    if not form.is_valid():
        return _review_page(request, str(client_id), deny_form=form, status=400)
    try:
        services.deny(request_vault(request), str(client_id), str(access_request_id),
                      ground_code=form.cleaned_data["ground"], explanation=form.cleaned_data["explanation"])
    except AccessRightsError as exc:
        return _review_page(request, str(client_id), deny_form=form, status=400, error=str(exc))
    messages.success(request, "The denial and its ground are recorded; the client sees them in their portal.")
    return redirect("access-review", client_id=client_id)


@record_page
@require_POST
def extend(request: HttpRequest, client_id: str, access_request_id: str) -> HttpResponse:
    """Use the one 30-day extension."""
    form = ExtendForm(request.POST)
    if not form.is_valid():
        return _review_page(request, str(client_id), extend_form=form, status=400)
    try:
        services.extend(request_vault(request), str(client_id), str(access_request_id),
                        reason=form.cleaned_data["reason"])
    except AccessRightsError as exc:
        return _review_page(request, str(client_id), extend_form=form, status=400, error=str(exc))
    messages.success(request, "The request is extended by 30 days; the client sees why.")
    return redirect("access-review", client_id=client_id)


@record_page
@require_POST
def answer_amendment(request: HttpRequest, client_id: str, amendment_id: str) -> HttpResponse:
    """Record the practice's answer to an amendment request."""
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _review_page(request, str(client_id), answer_form=form, status=400)
    try:
        services.answer_amendment(request_vault(request), str(client_id), str(amendment_id),
                                  accepted=form.cleaned_data["decision"] == "accepted",
                                  answer=form.cleaned_data["answer"])
    except AccessRightsError as exc:
        return _review_page(request, str(client_id), answer_form=form, status=400, error=str(exc))
    messages.success(request, "The answer is recorded; the client sees it in their portal.")
    return redirect("access-review", client_id=client_id)
