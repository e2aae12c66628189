"""Clinician pages of the client record: caseload, chart, notes, care team and documents.

The views parse input, call the record services and render. Three rules hold on every page:
client data never goes into a URL (only opaque UUIDs), a page title (titles end up in browser
history) or a flash message; anyone without access gets a 404 that says nothing about what
exists; and a record that fails its integrity check shows an error page, never its contents.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import IO, TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault, VaultLockedError
from confide.lifecycle import services as lifecycle
from confide.practice.models import Membership, Role
from confide.records import care, documents, services
from confide.records.auditing import read_page
from confide.records.documents import MAX_DOCUMENT_BYTES, DocumentMeta
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError, StaleVersionError
from confide.records.models import CareTeamMember, Client, Document, Note
from confide.records.services import MAX_NAME, MAX_NOTE_CHARS, CaseloadEntry, Demographics, TeamMember
from confide.web.decorators import staff_required, vault_required
from confide.web.forms import FingerprintConfirmation, MemberChoiceForm

if TYPE_CHECKING:
    from confide.portal.services import ChartPanel

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]

# The section headings each note template starts from. The template is a starting point only:
# the note stays free text, so nothing a clinician writes is ever rejected for its shape.
NOTE_TEMPLATES: dict[str, str] = {
    Note.Template.FREE: "",
    Note.Template.SOAP: "Subjective:\n\nObjective:\n\nAssessment:\n\nPlan:\n",
    Note.Template.DAP: "Data:\n\nAssessment:\n\nPlan:\n",
    Note.Template.BIRP: "Behavior:\n\nIntervention:\n\nResponse:\n\nPlan:\n",
}

# Downloads are named by their type alone: the real file name is client data and would end up
# in the browser's download history and on disk.
GENERIC_FILENAMES = {
    "application/pdf": "document.pdf",
    "image/png": "document.png",
    "image/jpeg": "document.jpg",
    "text/plain": "document.txt",
}

# Room for the multipart envelope around the largest allowed file.
_UPLOAD_OVERHEAD = 64 * 1024

INTEGRITY_STATUS = 500


# ----------------------------------------------------------------------------- small helpers


def _vault(request: HttpRequest) -> Vault:
    return request.vault  # type: ignore[attr-defined,no-any-return]


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def age_on(date_of_birth: str, today: dt.date) -> int | None:
    """Whole years between an ISO date of birth and `today`; None when the date is missing or bad."""
    try:
        born = dt.date.fromisoformat(date_of_birth)
    except ValueError:
        return None
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return years if years >= 0 else None


def generic_filename(content_type: str) -> str:
    """The name a download is saved under: its type, never the client's file name."""
    return GENERIC_FILENAMES.get(content_type, "document.bin")


def attach_service_error(form: forms.Form, message: str) -> None:
    """Show a service's message next to the field it names, or above the form.

    Record services name the field at fault in plain words ("Date of birth must be ..."), so
    the message is matched against each field's label and name.
    """
    lowered = message.casefold()
    for name, field in form.fields.items():
        phrases = {str(field.label or "").casefold(), name.replace("_", " ").casefold()}
        if any(phrase and phrase in lowered for phrase in phrases):
            form.add_error(name, message)
            return
    form.add_error(None, message)


def save_versioned(form: forms.Form, context: dict[str, Any], save: Callable[[], object]) -> int | None:
    """Run a save that checks the record's version; None when it worked, else the status to answer.

    A stale version (someone saved in between) is 409 with the form kept; a refused save is 400
    with the message next to its field. No access and integrity failures propagate as usual.
    """
    try:
        save()
    except StaleVersionError as exc:
        form.add_error(None, str(exc))
        context["stale"] = True
        return 409
    except (NotFoundError, RecordIntegrityError):
        raise
    except RecordError as exc:
        attach_service_error(form, str(exc))
        return 400
    return None


def _problem(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "web/records/problem.html", {"message": message}, status=status)


def record_errors(view: View) -> View:
    """Turn the record services' refusals into answers: 404, 409, 400 or the integrity page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            raise Http404 from None
        except RecordIntegrityError:
            # The path holds only opaque ids; the alert goes to the operator's log.
            logger.error("A record failed its integrity check at %s", request.path)
            return render(request, "web/records/integrity.html", status=INTEGRITY_STATUS)
        except StaleVersionError as exc:
            return _problem(request, str(exc), 409)
        except RecordError as exc:
            return _problem(request, str(exc), 400)

    return wrapper


def record_page(view: View) -> View:
    """A page of the client record: a signed-in staff member with an unlocked vault."""
    return vault_required(record_errors(view))


def _clinical_client(vault: Vault, client_id: str) -> tuple[Client, Demographics]:
    """A client whose clinical scope this person holds (front desk and others get NotFoundError)."""
    client, demographics = services.get_client(vault, client_id)
    if not vault.holds(client.pk, ScopeKeyVersion.Scope.CLINICAL):
        raise NotFoundError
    return client, demographics


def _clinicians(practice_id: int) -> list[Membership]:
    return list(Membership.objects.filter(practice_id=practice_id, role__in=(Role.CLINICIAN, Role.OWNER),
                                          user__is_active=True).select_related("user").order_by("user__email"))


# ----------------------------------------------------------------------------- forms


class SearchForm(forms.Form):
    q = forms.CharField(label="Search by name", max_length=MAX_NAME, required=False, strip=True,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}))


def _text(label: str, *, required: bool = False, max_length: int = MAX_NAME, help_text: str = "",
          input_type: str = "text") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           widget=forms.TextInput(attrs={"type": input_type, "autocomplete": "off"}))


class DemographicsForm(forms.Form):
    """What the admin scope holds. The service validates again and has the last word."""

    given_name = _text("Given name", required=True)
    family_name = _text("Family name", required=True)
    preferred_name = _text("Preferred name", help_text="What they like to be called, if not their given name.")
    pronouns = _text("Pronouns", help_text="For example she/her, he/him, they/them.")
    date_of_birth = _text("Date of birth", input_type="date")
    email = _text("E-mail address", input_type="email")
    phone = _text("Phone number", input_type="tel")
    emergency_contact = forms.CharField(label="Emergency contact", required=False, max_length=300,
                                        help_text="Name, relationship and phone number.",
                                        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}))

    def demographics(self) -> Demographics:
        return Demographics(**{name: self.cleaned_data.get(name, "") for name in Demographics.__dataclass_fields__})


class RegisterClientForm(DemographicsForm):
    primary_clinician = forms.TypedChoiceField(label="Primary clinician", coerce=int, required=True,
                                               help_text="They join the care team and can read and write notes.")

    def __init__(self, *args: Any, clinicians: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["primary_clinician"].choices = [("", "Choose a clinician")] + [  # type: ignore[attr-defined]
            (m.user_id, str(m.user)) for m in clinicians]


class EditDemographicsForm(DemographicsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NoteForm(forms.Form):
    """A new note; `body` keeps its whitespace because the headings are part of the text."""

    kind = forms.ChoiceField(label="Kind of note", choices=Note.Kind.choices, initial=Note.Kind.PROGRESS,
                             widget=forms.RadioSelect)
    template = forms.ChoiceField(label="Template", choices=Note.Template.choices, initial=Note.Template.FREE)
    session_date = forms.DateField(label="Session date", widget=forms.DateInput(attrs={"type": "date"},
                                                                                 format="%Y-%m-%d"))
    body = forms.CharField(label="Note", required=False, strip=False, max_length=MAX_NOTE_CHARS,
                           widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}))
    consent_reason = forms.CharField(
        label="Reason to sign without current consent", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the client has not signed the current consent, for example a crisis session.")
    action = forms.ChoiceField(choices=[("save", "Save draft"), ("sign", "Sign")], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "sign" and not (data.get("body") or "").strip():
            self.add_error("body", "Write the note before signing it.")
        return data


class DraftForm(forms.Form):
    session_date = forms.DateField(label="Session date", widget=forms.DateInput(attrs={"type": "date"},
                                                                                 format="%Y-%m-%d"))
    body = forms.CharField(label="Note", required=False, strip=False, max_length=MAX_NOTE_CHARS,
                           widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    consent_reason = forms.CharField(
        label="Reason to sign without current consent", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the client has not signed the current consent, for example a crisis session.")
    action = forms.ChoiceField(choices=[("save", "Save draft"), ("sign", "Sign")], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "sign" and not (data.get("body") or "").strip():
            self.add_error("body", "Write the note before signing it.")
        return data


class AddendumForm(forms.Form):
    body = forms.CharField(label="Addendum", max_length=MAX_NOTE_CHARS, strip=False,
                           error_messages={"required": "Write the addendum before adding it."},
                           widget=forms.Textarea(attrs={"rows": 5}),
                           help_text="Dated and signed with your name. The note itself stays as it was signed.")

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write the addendum before adding it.")
        return body


GRANTABLE_ROLES = [(r.value, r.label) for r in CareTeamMember.Role if r != CareTeamMember.Role.PRIMARY]


class GrantForm(MemberChoiceForm):
    role = forms.ChoiceField(label="Role on this care team", choices=GRANTABLE_ROLES)
    clinical = forms.BooleanField(label="Clinical access: progress notes and documents", required=False,
                                  help_text="Without it they see demographics only. Front-desk staff never get it.")


class ConfirmGrantForm(GrantForm, FingerprintConfirmation):
    pass


class UploadForm(forms.Form):
    file = forms.FileField(label="Add a document", help_text="PDF, PNG, JPEG or plain text, at most "
                           f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB. It is encrypted before it is stored.",
                           error_messages={"required": "Choose a file to upload."},
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.txt"}))


# ----------------------------------------------------------------------------- caseload


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
        entries = services.caseload(_vault(request), query)
    context = _caseload_context(entries, query) | {"form": form if request.method == "POST" else SearchForm()}
    if getattr(request, "htmx", False):
        return render(request, "web/records/_caseload_results.html", context, status=status)
    membership = _membership(request)
    context["can_register"] = membership.role != Role.SUPERVISOR
    return render(request, "web/records/caseload.html", context, status=status)


@staff_required
@require_GET
def caseload_summary(request: HttpRequest) -> HttpResponse:
    """The home page's summary (loaded by htmx): caseload size and drafts waiting to be signed."""
    from confide.keys.web import get_vault

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
    """Register a client. Owners and front desk name the primary clinician; a clinician is it."""
    membership = _membership(request)
    choose_primary = membership.role in (Role.OWNER, Role.FRONT_DESK)
    form: DemographicsForm
    if choose_primary:
        form = RegisterClientForm(request.POST or None, clinicians=_clinicians(membership.practice_id),
                                  initial={"primary_clinician": membership.user_id
                                           if membership.role == Role.OWNER else ""})
    else:
        form = DemographicsForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            primary = form.cleaned_data.get("primary_clinician") if choose_primary else None
            try:
                client = services.create_client(_vault(request), form.demographics(), primary_clinician_id=primary)
            except NotFoundError:
                raise
            except RecordError as exc:
                attach_service_error(form, str(exc))
            else:
                messages.success(request, "Client registered.")
                return redirect("client-chart", client_id=client.public_id)
        return render(request, "web/records/client_form.html", {"form": form, "mode": "new"}, status=400)
    return render(request, "web/records/client_form.html", {"form": form, "mode": "new"})


# ----------------------------------------------------------------------------- chart


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


def _render_chart(request: HttpRequest, client_id: str, *, upload_form: UploadForm | None = None,
                  status: int = 200) -> HttpResponse:
    # The chart is many reads: their audit events are appended together before anything renders,
    # and the client and each key check are resolved once for the whole page.
    with read_page():
        chart = load_chart(_vault(request), client_id)
        care = load_care(_vault(request), chart)
        portal = _portal_panel(request, chart) if chart.clinical else None
        retention = lifecycle.retention_for(_vault(request), chart.client)
    return render(request, "web/records/chart.html", {
        "retention": retention,
        "portal": portal,
        "chart": chart, "d": chart.demographics, "client": chart.client,
        "age": age_on(chart.demographics.date_of_birth, timezone.localdate()),
        "upload_form": upload_form or UploadForm(),
        "is_front_desk": _membership(request).role == Role.FRONT_DESK,
        "care": care,
    }, status=status)


def _portal_panel(request: HttpRequest, chart: Chart) -> ChartPanel:
    """Consent status, check-in trend and the invite form of the chart (ADR 0008).

    The practice and the care team are the ones this request loaded already: the panel needs no
    query of its own for them.
    """
    from confide.portal import services as portal

    return portal.chart_panel(_vault(request), chart.client.public_id, practice=_membership(request).practice)


@record_page
@require_GET
def chart(request: HttpRequest, client_id: str) -> HttpResponse:
    """The client chart: summary, notes timeline, documents and care team."""
    return _render_chart(request, str(client_id))


@record_page
@require_http_methods(["GET", "POST"])
def edit_client(request: HttpRequest, client_id: str) -> HttpResponse:
    """Change the demographics, refusing to overwrite a version saved in between."""
    vault = _vault(request)
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


# ----------------------------------------------------------------------------- notes


def _editor(request: HttpRequest, *, client: Client, demographics: Demographics, form: forms.Form,
            note: Note | None = None, status: int = 200, stale: bool = False) -> HttpResponse:
    autosave_url = (reverse("note-autosave", args=[client.public_id, note.public_id]) if note
                    else reverse("note-autosave-new", args=[client.public_id]))
    action_url = (reverse("note", args=[client.public_id, note.public_id]) if note
                  else reverse("note-new", args=[client.public_id]))
    return render(request, "web/records/note_editor.html", {
        "client": client, "d": demographics, "form": form, "note": note, "stale": stale,
        "autosave_url": autosave_url, "action_url": action_url,
        "template_choices": [(value, label, NOTE_TEMPLATES[value]) for value, label in Note.Template.choices],
        "saved_at": timezone.localtime(note.updated_at) if note else None,
        "consent_needed": _consent_needed(client),
    }, status=status)


def _consent_needed(client: Client) -> bool:
    from confide.portal.services import consent_needed

    return consent_needed(client)


@record_page
@require_http_methods(["GET", "POST"])
def new_note(request: HttpRequest, client_id: str) -> HttpResponse:
    """Start a progress or psychotherapy note from a template; save it as a draft or sign it."""
    vault = _vault(request)
    client, demographics = _clinical_client(vault, str(client_id))
    if request.method == "GET":
        kind = request.GET.get("kind") if request.GET.get("kind") in Note.Kind.values else Note.Kind.PROGRESS
        template = request.GET.get("template") if request.GET.get("template") in Note.Template.values \
            else Note.Template.FREE
        form = NoteForm(initial={"kind": kind, "template": template, "session_date": timezone.localdate(),
                                 "body": NOTE_TEMPLATES[str(template)]})
        return _editor(request, client=client, demographics=demographics, form=form)
    form = NoteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            note = services.create_note(vault, client.public_id, kind=data["kind"], session_date=data["session_date"],
                                        body=data["body"], template=data["template"], sign=data["action"] == "sign",
                                        consent_reason=data["consent_reason"])
        except NotFoundError:
            raise
        except RecordError as exc:
            attach_service_error(form, str(exc))
        else:
            messages.success(request, "Note signed." if note.status == Note.Status.SIGNED else "Draft saved.")
            return redirect("note", client_id=client.public_id, note_id=note.public_id)
    return _editor(request, client=client, demographics=demographics, form=form, status=400)


def _autosave_response(request: HttpRequest, *, message: str, state: str, status: int = 200,
                       version: int | None = None, reload_url: str = "") -> HttpResponse:
    response = render(request, "web/records/_autosave_status.html",
                      {"message": message, "state": state, "version": version, "reload_url": reload_url},
                      status=status)
    # records.js swaps only responses carrying this header: anything else (a sign-in page after
    # the session ended, say) must never replace the editor's status with a foreign page.
    response["X-Confide-Autosave"] = "saved" if state == "saved" else "stopped"
    return response


def _saved(request: HttpRequest, note: Note) -> HttpResponse:
    when = timezone.localtime(note.updated_at).strftime("%H:%M")
    return _autosave_response(request, message=f"Draft saved at {when}.", state="saved", version=note.version)


def _autosave_form_error(request: HttpRequest, form: forms.Form) -> HttpResponse:
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    return _autosave_response(request, message="Not saved: " + " ".join(errors), state="error", status=400)


@vault_required
@require_POST
def autosave_new_note(request: HttpRequest, client_id: str) -> HttpResponse:
    """The first autosave of a new note creates the draft; records.js then saves to the draft's URL."""
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _autosave_form_error(request, form)
    data = form.cleaned_data
    try:
        note = services.create_note(_vault(request), str(client_id), kind=data["kind"],
                                    session_date=data["session_date"], body=data["body"], template=data["template"])
    except NotFoundError:
        raise Http404 from None
    except RecordError as exc:
        return _autosave_response(request, message=f"Not saved: {exc}", state="error", status=400)
    response = _saved(request, note)
    response["X-Confide-Note-Url"] = reverse("note", args=[note.client.public_id, note.public_id])
    response["X-Confide-Autosave-Url"] = reverse("note-autosave", args=[note.client.public_id, note.public_id])
    return response


@vault_required
@require_POST
def autosave_note(request: HttpRequest, client_id: str, note_id: str) -> HttpResponse:
    """Save the draft if nobody saved in between; otherwise say so and let records.js stop autosaving."""
    form = DraftForm(request.POST)
    if not form.is_valid():
        return _autosave_form_error(request, form)
    data = form.cleaned_data
    try:
        note = services.save_draft(_vault(request), str(client_id), str(note_id), body=data["body"],
                                   expected_version=data["version"], session_date=data["session_date"])
    except NotFoundError:
        raise Http404 from None
    except StaleVersionError:
        return _autosave_response(
            request, message="This draft was changed in another window. Copy anything you want to keep, then",
            state="stale", status=409, reload_url=reverse("note", args=[client_id, note_id]))
    except RecordIntegrityError:
        logger.error("A record failed its integrity check at %s", request.path)
        return _autosave_response(request, message="Not saved: this note failed its integrity check.",
                                  state="error", status=INTEGRITY_STATUS)
    except RecordError as exc:
        return _autosave_response(request, message=f"Not saved: {exc}", state="error", status=400)
    return _saved(request, note)


def _save_and_sign(vault: Vault, client_id: str, note_id: str, *, body: str, version: int,
                   session_date: dt.date, consent_reason: str = "") -> Note:
    """Save what is on screen, then sign exactly that version.

    Two service calls; the version check makes the pair safe (a save in between fails the
    signature with StaleVersionError). A single `sign_note(..., body=)` service would be better.
    """
    from confide.portal.services import consent_reason_missing

    # Checked before the save, so a refused signature leaves the draft's version as it was.
    if consent_reason_missing(Note.objects.select_related("client").get(public_id=note_id), consent_reason):
        raise RecordError("This client has not signed the current consent. Give a reason to sign without "
                          "current consent (for example, a crisis).")
    saved = services.save_draft(vault, client_id, note_id, body=body, expected_version=version,
                                session_date=session_date)
    return services.sign_note(vault, client_id, note_id, expected_version=saved.version,
                              consent_reason=consent_reason)


def _note_page(request: HttpRequest, *, client: Client, demographics: Demographics,
               opened: services.OpenedNote, addendum_form: AddendumForm | None = None,
               status: int = 200) -> HttpResponse:
    prefetch_related_objects([opened.note, *(a for a, _ in opened.addenda)], "author")
    return render(request, "web/records/note.html", {
        "client": client, "d": demographics, "opened": opened, "note": opened.note,
        "addendum_form": addendum_form or AddendumForm(),
    }, status=status)


@record_page
@require_http_methods(["GET", "POST"])
def note(request: HttpRequest, client_id: str, note_id: str) -> HttpResponse:
    """A note: the editor while it is a draft of yours, read-only with its addenda once signed."""
    vault = _vault(request)
    client, demographics = _clinical_client(vault, str(client_id))
    opened = services.open_note(vault, client.public_id, str(note_id))
    current = opened.note
    editable = current.status == Note.Status.DRAFT and current.author_id == vault.user_id
    if request.method == "GET":
        if not editable:
            return _note_page(request, client=client, demographics=demographics, opened=opened)
        form = DraftForm(initial={"session_date": current.session_date, "body": opened.body,
                                  "version": current.version})
        return _editor(request, client=client, demographics=demographics, form=form, note=current)
    if not editable:
        return _problem(request, "A signed note is locked; add an addendum instead.", 400)
    form = DraftForm(request.POST)
    status = 400
    stale = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "sign":
                _save_and_sign(vault, str(client.public_id), str(current.public_id), body=data["body"],
                               version=data["version"], session_date=data["session_date"],
                               consent_reason=data["consent_reason"])
                messages.success(request, "Note signed.")
            else:
                services.save_draft(vault, client.public_id, current.public_id, body=data["body"],
                                    expected_version=data["version"], session_date=data["session_date"])
                messages.success(request, "Draft saved.")
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status, stale = 409, True
        except NotFoundError:
            raise
        except RecordIntegrityError:
            raise
        except RecordError as exc:
            attach_service_error(form, str(exc))
        else:
            return redirect("note", client_id=client.public_id, note_id=current.public_id)
    return _editor(request, client=client, demographics=demographics, form=form, note=current, status=status,
                   stale=stale)


@record_page
@require_POST
def add_addendum(request: HttpRequest, client_id: str, note_id: str) -> HttpResponse:
    """Add a dated addendum to a signed note."""
    vault = _vault(request)
    client, demographics = _clinical_client(vault, str(client_id))
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(vault, client.public_id, str(note_id), body=form.cleaned_data["body"])
        except NotFoundError:
            raise
        except RecordIntegrityError:
            raise
        except RecordError as exc:
            attach_service_error(form, str(exc))
        else:
            messages.success(request, "Addendum added.")
            return redirect("note", client_id=client.public_id, note_id=note_id)
    opened = services.open_note(vault, client.public_id, str(note_id))
    return _note_page(request, client=client, demographics=demographics, opened=opened, addendum_form=form,
                      status=400)


@record_page
@require_GET
def psychotherapy_notes(request: HttpRequest, client_id: str) -> HttpResponse:
    """The author's own psychotherapy notes for this client, kept apart from the record."""
    vault = _vault(request)
    client, demographics = _clinical_client(vault, str(client_id))
    notes = services.list_notes(vault, client.public_id, kind=Note.Kind.PSYCHOTHERAPY)
    return render(request, "web/records/psychotherapy_notes.html",
                  {"client": client, "d": demographics, "notes": notes})


# ----------------------------------------------------------------------------- care team


def _candidates(practice_id: int, exclude: int | None) -> list[Membership]:
    members = (Membership.objects.filter(practice_id=practice_id, user__is_active=True)
               .select_related("user__key_pair").order_by("role", "user__email"))
    if exclude is not None:
        members = members.exclude(user_id=exclude)
    return [m for m in members if hasattr(m.user, "key_pair")]


def _may_manage(team: list[TeamMember], membership: Membership) -> tuple[bool, bool]:
    """(may grant or revoke at all, may grant clinical access): the care-team rules, for the page."""
    on_team = any(t.member.user_id == membership.user_id and t.member.clinical_access for t in team)
    return on_team or membership.role == Role.OWNER, on_team


def _team_page(request: HttpRequest, client_id: str, *, form: forms.Form | None = None, status: int = 200,
               error: str = "") -> HttpResponse:
    vault = _vault(request)
    membership = _membership(request)
    client, demographics = services.get_client(vault, client_id)
    team = services.care_team(vault, client.public_id)
    may_manage, may_grant_clinical = _may_manage(team, membership)
    candidates = _candidates(membership.practice_id, membership.user_id)
    return render(request, "web/records/care_team.html", {
        "client": client, "d": demographics, "team": team, "may_manage": may_manage,
        "may_grant_clinical": may_grant_clinical, "form": form or GrantForm(candidates=candidates),
        "candidates": candidates, "error": error,
    }, status=status)


@record_page
@require_http_methods(["GET", "POST"])
def care_team(request: HttpRequest, client_id: str) -> HttpResponse:
    """The care team with key fingerprints; granting asks to compare the fingerprint first."""
    if request.method == "GET":
        return _team_page(request, str(client_id))
    vault = _vault(request)
    membership = _membership(request)
    client, demographics = services.get_client(vault, str(client_id))
    team = services.care_team(vault, client.public_id)
    may_manage, may_grant_clinical = _may_manage(team, membership)
    if not may_manage:
        raise Http404
    candidates = _candidates(membership.practice_id, membership.user_id)
    confirming = "fingerprint" in request.POST
    form: GrantForm = (ConfirmGrantForm if confirming else GrantForm)(request.POST, candidates=candidates)
    if form.is_valid() and form.cleaned_data["clinical"] and not may_grant_clinical:
        form.add_error("clinical", "Only a member of the care team with clinical access can grant it.")
    if not form.is_valid():
        if confirming and form.has_error("fingerprint_confirmed") and len(form.errors) == 1:
            return _confirm_page(request, client, demographics, form, status=400)
        return _team_page(request, str(client.public_id), form=form, status=400)
    person = form.candidates[form.cleaned_data["user"]]
    if not confirming:
        # Step two: show the chosen person's key fingerprint and ask to compare it.
        return _confirm_page(request, client, demographics, form)
    if form.cleaned_data["fingerprint"] != person.user.key_pair.fingerprint:
        return _confirm_page(request, client, demographics, form, status=409,
                             error="Their key changed while you were comparing. Compare the new fingerprint.")
    try:
        services.grant_access(vault, client.public_id, user_id=person.user_id, role=form.cleaned_data["role"],
                              clinical=form.cleaned_data["clinical"])
    except NotFoundError:
        raise
    except RecordIntegrityError:
        raise
    except RecordError as exc:
        attach_service_error(form, str(exc))
        return _team_page(request, str(client.public_id), form=form, status=400)
    messages.success(request, "Access granted.")
    return redirect("care-team", client_id=client.public_id)


def _confirm_page(request: HttpRequest, client: Client, demographics: Demographics, form: GrantForm,
                  status: int = 200, error: str = "") -> HttpResponse:
    """Step two of a grant: the person's current fingerprint, and the choices carried in hidden fields."""
    data = form.cleaned_data
    person = form.candidates[data["user"]]
    return render(request, "web/records/care_team_confirm.html", {
        "client": client, "d": demographics, "form": form, "person": person, "error": error,
        "fingerprint": person.user.key_pair.fingerprint, "role": data["role"],
        "role_label": dict(GRANTABLE_ROLES)[data["role"]], "clinical": bool(data.get("clinical")),
    }, status=status)


@record_page
@require_POST
def revoke_access(request: HttpRequest, client_id: str) -> HttpResponse:
    """Remove someone from the care team (their wraps are deleted and the keys rotated)."""
    try:
        user_id = int(request.POST.get("user_id", ""))
    except ValueError:
        return _team_page(request, str(client_id), status=400, error="Choose whom to remove.")
    try:
        services.revoke_access(_vault(request), str(client_id), user_id=user_id)
    except NotFoundError:
        raise
    except RecordIntegrityError:
        raise
    except RecordError as exc:
        return _team_page(request, str(client_id), status=400, error=str(exc))
    messages.success(request, "Access removed. The client's keys were rotated for future writes.")
    return redirect("care-team", client_id=client_id)


# ----------------------------------------------------------------------------- documents


class _InMemoryUploadHandler(MemoryFileUploadHandler):
    """Keep an upload in memory until it is sealed.

    Django spools uploads over 2.5 MB to a temporary file, which would put a client's document
    on disk unencrypted. The size cap bounds the memory used.
    """

    def handle_raw_input(self, input_data: IO[bytes], META: dict[str, str], content_length: int,  # noqa: N803
                         boundary: str, encoding: str | None = None) -> None:
        self.activated = 0 < content_length <= MAX_DOCUMENT_BYTES + _UPLOAD_OVERHEAD


@csrf_exempt  # The CSRF check runs in `_upload_document`, after the upload handlers are in place.
def upload_document(request: HttpRequest, client_id: str) -> HttpResponse:
    """Upload a document to the client's record (encrypted in chunks by the service)."""
    request.upload_handlers = [_InMemoryUploadHandler(request)]
    return _upload_document(request, client_id)


@record_page
@require_POST
@csrf_protect
def _upload_document(request: HttpRequest, client_id: str) -> HttpResponse:
    _clinical_client(_vault(request), str(client_id))
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    form = UploadForm(request.POST, request.FILES)
    if length > MAX_DOCUMENT_BYTES + _UPLOAD_OVERHEAD:
        form.add_error(None, f"Files may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.")
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            documents.upload_document(_vault(request), str(client_id), filename=upload.name or "",
                                      stream=cast(IO[bytes], upload), size=upload.size or 0)
        except NotFoundError:
            raise
        except RecordIntegrityError:
            raise
        except RecordError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, "Document uploaded.")
            return redirect(reverse("client-chart", args=[client_id]) + "#documents")
    return _render_chart(request, str(client_id), upload_form=form, status=400)


@record_page
@require_GET
def download_document(request: HttpRequest, client_id: str, document_id: str) -> HttpResponse:
    """Stream a document, opened chunk by chunk, under a generic file name."""
    meta, chunks = documents.open_document(_vault(request), str(client_id), str(document_id))
    # Open the first chunk before answering, so a missing or tampered file gets the integrity
    # page rather than a 200 with a broken body. A later chunk that fails aborts the stream.
    first = next(chunks, b"")
    stream: Iterator[bytes] = itertools.chain([first], chunks)
    content_type = meta.content_type + ("; charset=utf-8" if meta.content_type == "text/plain" else "")
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{generic_filename(meta.content_type)}"'
    # The view decorators are typed for HttpResponse; a streaming response passes through them unchanged.
    return cast(HttpResponse, response)



# ----------------------------------------------------------------------------- episodes, sessions and plan

# How many past sessions the chart shows; the sessions page lists them all.
CHART_PAST_SESSIONS = 10


@dataclass(frozen=True)
class CareSummary:
    """The chart's view of episodes, sessions and the treatment plan (the plan only for the clinical scope)."""

    episodes: list[care.OpenedEpisode]
    upcoming: list[care.OpenedAppointment]
    past: list[care.OpenedAppointment]
    past_total: int
    plan: care.OpenedPlan | None
    may_write_clinical: bool

    @property
    def open_episode(self) -> care.OpenedEpisode | None:
        return next((e for e in self.episodes if e.is_open), None)


def _writes_clinical(team: list[TeamMember], user_id: int | None) -> bool:
    """True for the clinicians of the care team, who write episodes and the plan (supervisors read)."""
    return any(t.member.user_id == user_id and t.member.clinical_access
               and t.member.role in (CareTeamMember.Role.PRIMARY, CareTeamMember.Role.CLINICIAN) for t in team)


def _split_sessions(appointments: list[care.OpenedAppointment]) -> tuple[list[care.OpenedAppointment],
                                                                          list[care.OpenedAppointment]]:
    """(upcoming, soonest first; past, latest first). A session under way counts as upcoming."""
    now = timezone.now()
    upcoming = sorted((a for a in appointments if a.ends_at > now), key=lambda a: a.appointment.starts_at)
    past = [a for a in appointments if a.ends_at <= now]
    return upcoming, past


def load_care(vault: Vault, chart: Chart) -> CareSummary:
    """Episodes and sessions for everyone who sees the chart; the treatment plan for the clinical scope."""
    client_id = chart.client.public_id
    upcoming, past = _split_sessions(care.list_appointments(vault, client_id))
    episodes = care.list_episodes(vault, client_id)
    plan = care.get_treatment_plan(vault, client_id) if chart.clinical else None
    return CareSummary(episodes=episodes, upcoming=upcoming, past=past[:CHART_PAST_SESSIONS], past_total=len(past),
                       plan=plan, may_write_clinical=chart.clinical and _writes_clinical(chart.team, vault.user_id))


def _date_input(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class OpenEpisodeForm(forms.Form):
    opened_on = _date_input("Opening date", help_text="Usually the day of intake.")


class CloseEpisodeForm(forms.Form):
    closed_on = _date_input("Closing date")
    summary = forms.CharField(label="Discharge or termination summary", required=False,
                              max_length=care.MAX_SUMMARY_CHARS, strip=False,
                              help_text="Why therapy ended, progress on the goals, and any recommendations. "
                                        "Only the care team can read it.",
                              widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}))
    episode = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _episodes_page(request: HttpRequest, client_id: str, *, open_form: OpenEpisodeForm | None = None,
                   close_form: CloseEpisodeForm | None = None, status: int = 200) -> HttpResponse:
    vault = _vault(request)
    client, demographics = _clinical_client(vault, client_id)
    episodes = care.list_episodes(vault, client.public_id)
    current = next((e for e in episodes if e.is_open), None)
    team = services.care_team(vault, client.public_id)
    today = timezone.localdate()
    if current is not None and close_form is None:
        close_form = CloseEpisodeForm(initial={"closed_on": today, "episode": current.episode.pk,
                                               "version": current.episode.version})
    return render(request, "web/records/episodes.html", {
        "client": client, "d": demographics, "episodes": episodes, "current": current,
        "may_write": _writes_clinical(team, vault.user_id),
        "open_form": open_form or OpenEpisodeForm(initial={"opened_on": today}),
        "close_form": close_form,
    }, status=status)


@record_page
@require_http_methods(["GET", "POST"])
def episodes(request: HttpRequest, client_id: str) -> HttpResponse:
    """Episodes of care with their summaries; a POST opens a new episode."""
    if request.method == "GET":
        return _episodes_page(request, str(client_id))
    vault = _vault(request)
    client, _ = _clinical_client(vault, str(client_id))
    form = OpenEpisodeForm(request.POST)
    if form.is_valid():
        try:
            care.open_episode(vault, client.public_id, opened_on=form.cleaned_data["opened_on"])
        except (NotFoundError, RecordIntegrityError):
            raise
        except RecordError as exc:
            attach_service_error(form, str(exc))
        else:
            messages.success(request, "Episode of care opened.")
            return redirect("episodes", client_id=client.public_id)
    return _episodes_page(request, str(client.public_id), open_form=form, status=400)


@record_page
@require_POST
def close_episode(request: HttpRequest, client_id: str) -> HttpResponse:
    """Close the open episode of care with its discharge or termination summary."""
    vault = _vault(request)
    client, _ = _clinical_client(vault, str(client_id))
    form = CloseEpisodeForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            care.close_episode(vault, client.public_id, data["episode"], closed_on=data["closed_on"],
                               summary=data["summary"], expected_version=data["version"])
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
            status = 409
        except (NotFoundError, RecordIntegrityError):
            raise
        except RecordError as exc:
            attach_service_error(form, str(exc))
        else:
            # Closing the last open episode is the discharge: it fixes the retention date (ADR 0016).
            if lifecycle.after_episode_closed(vault, client.public_id) is not None:
                messages.success(request, "Episode of care closed. The client is discharged; see Retention.")
            else:
                messages.success(request, "Episode of care closed.")
            return redirect("episodes", client_id=client.public_id)
    return _episodes_page(request, str(client.public_id), close_form=form, status=status)


class AppointmentForm(forms.Form):
    """A session on the calendar. The service checks the ranges again and has the last word."""

    starts_at = forms.DateTimeField(label="Date and time", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                               format="%Y-%m-%dT%H:%M"))
    duration = forms.IntegerField(label="Duration", help_text=f"In minutes, {care.MIN_DURATION} to "
                                  f"{care.MAX_DURATION}. Individual sessions are usually 45 to 60.",
                                  widget=forms.NumberInput(attrs={"min": care.MIN_DURATION,
                                                                  "max": care.MAX_DURATION, "step": 5}))
    modality = forms.ChoiceField(label="Modality", choices=care.Modality.CHOICES, initial=care.Modality.IN_PERSON)
    attendance = forms.ChoiceField(label="Attendance", choices=care.Attendance.CHOICES,
                                   initial=care.Attendance.SCHEDULED)


class NewAppointmentForm(AppointmentForm):
    clinician = forms.TypedChoiceField(label="Clinician", coerce=int, required=False, empty_value=None,
                                       help_text="Who sees the client. Left empty: you, if you treat them, "
                                                 "otherwise the primary clinician.")

    def __init__(self, *args: Any, clinicians: list[TeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].choices = [("", "Default")] + [  # type: ignore[attr-defined]
            (t.member.user_id, f"{t.member.user} ({t.member.get_role_display()})") for t in clinicians]


class EditAppointmentForm(AppointmentForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _treating(team: list[TeamMember]) -> list[TeamMember]:
    return [t for t in team if t.member.clinical_access
            and t.member.role in (CareTeamMember.Role.PRIMARY, CareTeamMember.Role.CLINICIAN)]


@record_page
@require_GET
def appointments(request: HttpRequest, client_id: str) -> HttpResponse:
    """Every session of the client, upcoming and past (admin scope: the front desk sees them)."""
    vault = _vault(request)
    client, demographics = services.get_client(vault, str(client_id))
    upcoming, past = _split_sessions(care.list_appointments(vault, client.public_id))
    return render(request, "web/records/appointments.html",
                  {"client": client, "d": demographics, "upcoming": upcoming, "past": past})


@record_page
@require_http_methods(["GET", "POST"])
def new_appointment(request: HttpRequest, client_id: str) -> HttpResponse:
    """Book a session for the client."""
    vault = _vault(request)
    client, demographics = services.get_client(vault, str(client_id))
    clinicians = _treating(services.care_team(vault, client.public_id))
    form = NewAppointmentForm(request.POST or None, clinicians=clinicians,
                              initial={"duration": 50, "modality": care.Modality.IN_PERSON,
                                       "attendance": care.Attendance.SCHEDULED})
    context = {"client": client, "d": demographics, "form": form, "mode": "new"}
    if request.method == "GET":
        return render(request, "web/records/appointment_form.html", context)
    if form.is_valid():
        data = form.cleaned_data
        try:
            care.create_appointment(vault, client.public_id, starts_at=data["starts_at"],
                                    duration_minutes=data["duration"], modality=data["modality"],
                                    attendance=data["attendance"], clinician_id=data["clinician"])
        except (NotFoundError, RecordIntegrityError):
            raise
        except RecordError as exc:
            attach_service_error(form, str(exc))
        else:
            messages.success(request, "Session booked.")
            return redirect(reverse("client-chart", args=[client.public_id]) + "#sessions")
    return render(request, "web/records/appointment_form.html", context, status=400)


@record_page
@require_http_methods(["GET", "POST"])
def edit_appointment(request: HttpRequest, client_id: str, appointment_id: str) -> HttpResponse:
    """Reschedule a session or record its attendance, refusing to overwrite a version saved in between."""
    vault = _vault(request)
    client, demographics = services.get_client(vault, str(client_id))
    opened = care.open_appointment(vault, client.public_id, str(appointment_id))
    current = opened.appointment
    context: dict[str, Any] = {"client": client, "d": demographics, "mode": "edit", "opened": opened}
    if request.method == "GET":
        context["form"] = EditAppointmentForm(initial={
            "starts_at": timezone.localtime(current.starts_at), "duration": current.duration_minutes,
            "modality": opened.modality, "attendance": opened.attendance, "version": current.version})
        return render(request, "web/records/appointment_form.html", context)
    form = EditAppointmentForm(request.POST)
    context["form"] = form
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        failed = save_versioned(form, context, lambda: care.update_appointment(
            vault, client.public_id, current.public_id, starts_at=data["starts_at"],
            duration_minutes=data["duration"], modality=data["modality"], attendance=data["attendance"],
            expected_version=data["version"]))
        if failed is None:
            messages.success(request, "Session saved.")
            return redirect(reverse("client-chart", args=[client.public_id]) + "#sessions")
        status = failed
    return render(request, "web/records/appointment_form.html", context, status=status)


def parse_diagnoses(text: str) -> tuple[care.Diagnosis, ...]:
    """Diagnoses typed one per line, the code first: "F41.1 Generalized anxiety disorder".

    The first word is taken as a code when it holds a digit (as the codes of ICD and DSM do);
    otherwise the whole line is the description. The service validates both parts.
    """
    diagnoses = []
    for line in text.splitlines():
        parts = line.strip().split(None, 1)
        if not parts:
            continue
        if any(ch.isdigit() for ch in parts[0]):
            diagnoses.append(care.Diagnosis(code=parts[0], description=parts[1] if len(parts) > 1 else ""))
        else:
            diagnoses.append(care.Diagnosis(code="", description=line.strip()))
    return tuple(diagnoses)


def format_diagnoses(diagnoses: tuple[care.Diagnosis, ...]) -> str:
    """The diagnoses as the plan form shows them, one per line."""
    return "\n".join(str(d) for d in diagnoses)


def _plan_text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=care.MAX_PLAN_SECTION_CHARS, strip=False,
                           help_text=help_text, widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "true"}))


class TreatmentPlanForm(forms.Form):
    problems = _plan_text("Problems", "What brings the client to therapy, in their words and yours.")
    goals = _plan_text("Goals", "Measurable: one per line, each with how progress is measured, "
                                "for example “GAD-7 below 10 by March”.")
    interventions = _plan_text("Interventions", "The approaches and techniques planned, and how often you meet.")
    review_on = _date_input("Review date", required=False,
                            help_text="When the plan is next reviewed or its goals are due.")
    diagnoses = forms.CharField(label="Diagnoses", required=False, max_length=care.MAX_DIAGNOSES * 240,
                                help_text="One per line: the code first if you use one, then the description, "
                                          "for example F41.1 Generalized anxiety disorder.",
                                widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def content(self) -> care.PlanContent:
        data = self.cleaned_data
        review_on = data.get("review_on")
        return care.PlanContent(problems=data.get("problems", ""), goals=data.get("goals", ""),
                                interventions=data.get("interventions", ""),
                                review_on=review_on.isoformat() if review_on else "",
                                diagnoses=parse_diagnoses(data.get("diagnoses", "")))


@record_page
@require_GET
def treatment_plan(request: HttpRequest, client_id: str) -> HttpResponse:
    """The treatment plan and diagnoses (clinical scope)."""
    vault = _vault(request)
    client, demographics = _clinical_client(vault, str(client_id))
    opened = care.get_treatment_plan(vault, client.public_id)
    team = services.care_team(vault, client.public_id)
    if opened.plan is not None:
        prefetch_related_objects([opened.plan], "updated_by")
    return render(request, "web/records/plan.html", {
        "client": client, "d": demographics, "opened": opened, "plan": opened.content,
        "may_write": _writes_clinical(team, vault.user_id)})


@record_page
@require_http_methods(["GET", "POST"])
def edit_treatment_plan(request: HttpRequest, client_id: str) -> HttpResponse:
    """Edit the treatment plan, refusing to overwrite a version saved in between."""
    vault = _vault(request)
    client, demographics = _clinical_client(vault, str(client_id))
    opened = care.get_treatment_plan(vault, client.public_id)
    if not _writes_clinical(services.care_team(vault, client.public_id), vault.user_id):
        return _problem(request, "Only the clinicians of the care team can change the treatment plan; "
                                 "supervisors can read it.", 403)
    context: dict[str, Any] = {"client": client, "d": demographics, "opened": opened}
    if request.method == "GET":
        plan = opened.content
        context["form"] = TreatmentPlanForm(initial={
            "problems": plan.problems, "goals": plan.goals, "interventions": plan.interventions,
            "review_on": plan.review_date, "diagnoses": format_diagnoses(plan.diagnoses),
            "version": opened.version})
        return render(request, "web/records/plan_form.html", context)
    form = TreatmentPlanForm(request.POST)
    context["form"] = form
    status = 400
    if form.is_valid():
        failed = save_versioned(form, context, lambda: care.save_treatment_plan(
            vault, client.public_id, form.content(), expected_version=form.cleaned_data["version"]))
        if failed is None:
            messages.success(request, "Treatment plan saved.")
            return redirect("treatment-plan", client_id=client.public_id)
        status = failed
    return render(request, "web/records/plan_form.html", context, status=status)
