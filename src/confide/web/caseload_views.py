"""The caseload (the clients this person may see, with search by name), the home page's summary,
and registering a client."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from confide.keys.vault import Vault, VaultLockedError
from confide.keys.web import get_vault
from confide.practice.models import Membership, Role
from confide.records import services
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Note
from confide.records.services import MAX_NAME, CaseloadEntry
from confide.web.chart_views import DemographicsForm
from confide.web.decorators import staff_required
from confide.web.record_pages import (
    age_on,
    attach_service_error,
    clinicians,
    record_page,
    request_membership,
    request_vault,
)


class SearchForm(forms.Form):
    q = forms.CharField(label="Search by name", max_length=MAX_NAME, required=False, strip=True,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}))


class RegisterClientForm(DemographicsForm):
    primary_clinician = forms.TypedChoiceField(label="Primary clinician", coerce=int, required=True,
                                               help_text="They join the care team and can read and write notes.")

    def __init__(self, *args: Any, clinicians: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["primary_clinician"].choices = [("", "Choose a clinician")] + [  # type: ignore[attr-defined]
            (m.user_id, str(m.user)) for m in clinicians]


def _caseload_context(entries: list[CaseloadEntry], query: str) -> dict[str, Any]:
    today = timezone.localdate()
    rows = [{"entry": e, "age": age_on(e.demographics.date_of_birth, today)} for e in entries]
    return {"rows": rows, "query": query}


@record_page
@require_http_methods(["GET", "POST"])
def caseload(request: HttpRequest) -> HttpResponse:
    """The clients this person may see, with search by name.

    Search is a POST, also under htmx (`hx-post`, no pushed URL): a client's name typed into the
    box is client data, and in a query string it would land in server logs, the browser history
    and the Referer of the next request.
    """
    form = SearchForm(request.POST if request.method == "POST" else None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if request.method == "POST" and not form.is_valid():
        status = 400
        entries: list[CaseloadEntry] = []
    else:
        status = 200
        entries = services.caseload(request_vault(request), query)
    context = _caseload_context(entries, query) | {"form": form if request.method == "POST" else SearchForm()}
    if getattr(request, "htmx", False):
        return render(request, "web/records/_caseload_results.html", context, status=status)
    membership = request_membership(request)
    context["can_register"] = membership.role != Role.SUPERVISOR
    return render(request, "web/records/caseload.html", context, status=status)


@staff_required
@require_GET
def caseload_summary(request: HttpRequest) -> HttpResponse:
    """The home page's summary (loaded by htmx): caseload size and drafts waiting to be signed."""
    try:
        vault = get_vault(request)
    except VaultLockedError:
        return render(request, "web/records/_summary.html", {"locked": True})
    try:
        entries = services.caseload(vault)
    except RecordError:
        entries = []
    return render(request, "web/records/_summary.html", {
        "count": len(entries), "drafts": _unsigned_drafts(vault, entries)})


def _unsigned_drafts(vault: Vault, entries: list[CaseloadEntry]) -> list[dict[str, Any]]:
    """This person's unsigned drafts, newest session first (metadata only, nothing is opened).

    A stop-gap until the record services offer `unsigned_drafts(vault)`; only the clients of
    the caseload (whose names are already open) are considered.
    """
    by_pk = {e.client.pk: e for e in entries if e.clinical_access}
    if vault.user_id is None or not by_pk:
        return []
    notes = (Note.objects.filter(author_id=vault.user_id, status=Note.Status.DRAFT, parent__isnull=True,
                                 client_id__in=by_pk).order_by("-session_date", "-updated_at")[:10])
    return [{"note": n, "entry": by_pk[n.client_id]} for n in notes]


@record_page
@require_http_methods(["GET", "POST"])
def register_client(request: HttpRequest) -> HttpResponse:
    """Register a client. Owners and front desk name the primary clinician; a clinician is it.

    The form offers only the practice's treating clinicians; an owner who is one is chosen already.
    """
    membership = request_membership(request)
    choose_primary = membership.role in (Role.OWNER, Role.FRONT_DESK)
    form: DemographicsForm
    if choose_primary:
        form = RegisterClientForm(request.POST or None, clinicians=clinicians(membership.practice_id),
                                  initial={"primary_clinician": membership.user_id
                                           if membership.treats_clients else ""})
    else:
        form = DemographicsForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            primary = form.cleaned_data.get("primary_clinician") if choose_primary else None
            try:
                client = services.create_client(request_vault(request), form.demographics(),
                                                primary_clinician_id=primary)
            except NotFoundError:
                raise
            except RecordError as exc:
                attach_service_error(form, str(exc))
            else:
                messages.success(request, "Client registered.")
                return redirect("client-chart", client_id=client.public_id)
        return render(request, "web/records/client_form.html", {"form": form, "mode": "new"}, status=400)
    return render(request, "web/records/client_form.html", {"form": form, "mode": "new"})
