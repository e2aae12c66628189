"""The client chart (summary, notes timeline, documents, care team, care) and editing a client's
demographics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from confide.keys.vault import Vault
from confide.lifecycle import services as lifecycle
from confide.measures.services import chart_measures
from confide.portal.services import ChartPanel, chart_panel
from confide.practice.models import Role
from confide.records import documents, services
from confide.records.auditing import read_page
from confide.records.documents import MAX_DOCUMENT_BYTES, DocumentMeta
from confide.records.errors import NotFoundError
from confide.records.models import Client, Document, Note
from confide.records.services import MAX_NAME, Demographics, TeamMember
from confide.web.care_views import load_care
from confide.web.record_pages import age_on, record_page, request_membership, request_vault, save_versioned


def text_field(label: str, *, required: bool = False, max_length: int = MAX_NAME, help_text: str = "",
          input_type: str = "text") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           widget=forms.TextInput(attrs={"type": input_type, "autocomplete": "off"}))


class DemographicsForm(forms.Form):
    """What the admin scope holds. The service validates again and has the last word."""

    given_name = text_field("Given name", required=True)
    family_name = text_field("Family name", required=True)
    preferred_name = text_field("Preferred name", help_text="What they like to be called, if not their given name.")
    pronouns = text_field("Pronouns", help_text="For example she/her, he/him, they/them.")
    date_of_birth = text_field("Date of birth", input_type="date")
    email = text_field("E-mail address", input_type="email")
    phone = text_field("Phone number", input_type="tel")
    emergency_contact = forms.CharField(label="Emergency contact", required=False, max_length=300,
                                        help_text="Name, relationship and phone number.",
                                        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}))

    def demographics(self) -> Demographics:
        return Demographics(**{name: self.cleaned_data.get(name, "") for name in Demographics.__dataclass_fields__})


class EditDemographicsForm(DemographicsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UploadForm(forms.Form):
    file = forms.FileField(label="Add a document", help_text="PDF, PNG, JPEG or plain text, at most "
                           f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB. It is encrypted before it is stored.",
                           error_messages={"required": "Choose a file to upload."},
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.txt"}))


@dataclass(frozen=True)
class Chart:
    """Everything the chart shows. `clinical` is False for those who hold only the admin scope."""

    client: Client
    demographics: Demographics
    clinical: bool
    notes: list[Note]
    psychotherapy_count: int
    last_note: services.OpenedNote | None
    documents: list[tuple[Document, DocumentMeta]]
    team: list[TeamMember]


def load_chart(vault: Vault, client_id: str) -> Chart:
    """Gather the chart from the record services (a stop-gap for a `services.chart()`)."""
    client, demographics = services.get_client(vault, client_id)
    team = services.care_team(vault, client_id)
    try:
        notes = services.list_notes(vault, client_id)
    except NotFoundError:
        return Chart(client, demographics, False, [], 0, None, [], team)
    prefetch_related_objects(notes, "author")
    progress = [n for n in notes if n.kind == Note.Kind.PROGRESS]
    last_signed = next((n for n in progress if n.status == Note.Status.SIGNED), None)
    last_note = services.open_listed_note(vault, last_signed) if last_signed else None
    return Chart(client, demographics, True, progress, len(notes) - len(progress), last_note,
                 documents.list_documents(vault, client_id), team)


def render_chart(request: HttpRequest, client_id: str, *, upload_form: UploadForm | None = None,
                  status: int = 200) -> HttpResponse:
    # The chart is many reads: their audit events are appended together before anything renders,
    # and the client and each key check are resolved once for the whole page.
    with read_page():
        chart = load_chart(request_vault(request), client_id)
        care = load_care(request_vault(request), chart.client, clinical=chart.clinical, team=chart.team)
        portal = _portal_panel(request, chart) if chart.clinical else None
        retention = lifecycle.chart_retention(request_vault(request), chart.client)
        measures = chart_measures(request_vault(request), chart.client) if chart.clinical else None
    return render(request, "web/records/chart.html", {
        "retention": retention,
        "measures": measures,
        "portal": portal,
        "chart": chart, "d": chart.demographics, "client": chart.client,
        "age": age_on(chart.demographics.date_of_birth, timezone.localdate()),
        "upload_form": upload_form or UploadForm(),
        "is_front_desk": request_membership(request).role == Role.FRONT_DESK,
        "care": care,
    }, status=status)


def _portal_panel(request: HttpRequest, chart: Chart) -> ChartPanel:
    """Consent status, check-in trend and the invite form of the chart (ADR 0008).

    The practice and the care team are the ones this request loaded already: the panel needs no
    query of its own for them.
    """
    return chart_panel(request_vault(request), chart.client.public_id, practice=request_membership(request).practice)


@record_page
@require_GET
def chart(request: HttpRequest, client_id: str) -> HttpResponse:
    """The client chart: summary, notes timeline, documents and care team."""
    return render_chart(request, str(client_id))


@record_page
@require_http_methods(["GET", "POST"])
def edit_client(request: HttpRequest, client_id: str) -> HttpResponse:
    """Change the demographics, refusing to overwrite a version saved in between."""
    vault = request_vault(request)
    client, demographics = services.get_client(vault, str(client_id))
    context: dict[str, Any] = {"mode": "edit", "client": client, "d": demographics}
    if request.method == "GET":
        initial = {name: getattr(demographics, name) for name in Demographics.__dataclass_fields__}
        context["form"] = EditDemographicsForm(initial=initial | {"version": client.demographics_version})
        return render(request, "web/records/client_form.html", context)
    form = EditDemographicsForm(request.POST)
    context["form"] = form
    status = 400
    if form.is_valid():
        failed = save_versioned(form, context, lambda: services.update_demographics(
            vault, client.public_id, form.demographics(), expected_version=form.cleaned_data["version"]))
        if failed is None:
            messages.success(request, "Client details saved.")
            return redirect("client-chart", client_id=client.public_id)
        status = failed
    return render(request, "web/records/client_form.html", context, status=status)
