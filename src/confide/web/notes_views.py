"""Notes: the editor with its templates and autosave, signing, a note with its addenda, and the
separate list of psychotherapy notes."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.keys.vault import Vault
from confide.portal.consent_gate import consent_needed, consent_reason_missing
from confide.records import note_sessions, services, validation
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError, StaleVersionError
from confide.records.models import Client, Note
from confide.records.services import MAX_NOTE_CHARS, Demographics
from confide.web.decorators import vault_required
from confide.web.record_pages import (
    INTEGRITY_STATUS,
    attach_service_error,
    clinical_client,
    problem_page,
    record_page,
    request_vault,
)
from confide.web.templatetags.confide_ui import when

logger = logging.getLogger(__name__)

# The section headings each note template starts from. The template is a starting point only:
# the note stays free text, so nothing a clinician writes is ever rejected for its shape.
NOTE_TEMPLATES: dict[str, str] = validation.NOTE_TEMPLATES  # shared with the services' emptiness rule

NEEDS_A_SESSION = "Choose the session this note documents, or say below why there was none."


class SessionFields(forms.Form):
    """What a note documents: one of the client's past sessions, or why there was no appointment.

    A progress note is signed only when it says one or the other (issue 23); a draft may wait.
    """

    # The session the note documents, or why there was none (issue 23, records.note_sessions).
    appointment = forms.ChoiceField(label="Session this note documents", required=False, choices=[])
    unscheduled_reason = forms.ChoiceField(label="No appointment: what it was", required=False,
                                           choices=[("", "Choose"), *note_sessions.UNSCHEDULED_REASONS.items()])
    conditions = {"appointment": "choose the session, or say below why there was none",
                  "unscheduled_reason": "when there was no appointment"}

    def __init__(self, *args: Any, sessions: list[tuple[str, str]] | None = None, kind: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment"].choices = [("", "No appointment"), *(sessions or [])]  # type: ignore[attr-defined]
        self.note_kind = kind

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = self.note_kind or data.get("kind")
        if (data.get("action") == "sign" and kind == Note.Kind.PROGRESS and not data.get("appointment")
                and not data.get("unscheduled_reason") and "appointment" not in self.errors):
            self.add_error("appointment", NEEDS_A_SESSION)
        return data


class NoteForm(SessionFields):
    """A new note; `body` keeps its whitespace because the headings are part of the text."""

    kind = forms.ChoiceField(label="Kind of note", choices=Note.Kind.choices, initial=Note.Kind.PROGRESS,
                             widget=forms.RadioSelect)
    template = forms.ChoiceField(label="Template", choices=Note.Template.choices, initial=Note.Template.FREE)
    session_date = forms.DateField(label="Session date", widget=forms.DateInput(attrs={"type": "date"},
                                                                                 format="%Y-%m-%d"))
    body = forms.CharField(label="Note", required=False, strip=False, max_length=MAX_NOTE_CHARS,
                           widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))
    consent_reason = forms.CharField(
        label="Reason to sign without current consent", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the client has not signed the current consent, for example a crisis session.")
    action = forms.ChoiceField(choices=[("save", "Save draft"), ("sign", "Sign")], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "sign" and validation.says_nothing(data.get("body") or ""):
            self.add_error("body", "Write the note before signing it.")
        return data


def _sessions(client: Client) -> list[tuple[str, str]]:
    return [(str(a.public_id), f"{when(a.starts_at)}, {a.duration_minutes} min")
            for a in note_sessions.sessions_to_document(client)]


def _draft_sessions(client: Client, note: Note) -> list[tuple[str, str]]:
    """The sessions a draft may document: the latest ones, and the one it documents already."""
    offered = _sessions(client)
    linked = note.appointment
    if linked is not None and str(linked.public_id) not in {value for value, _ in offered}:
        offered.append((str(linked.public_id), f"{when(linked.starts_at)}, {linked.duration_minutes} min"))
    return offered


class DraftForm(SessionFields):
    session_date = forms.DateField(label="Session date", widget=forms.DateInput(attrs={"type": "date"},
                                                                                 format="%Y-%m-%d"))
    body = forms.CharField(label="Note", required=False, strip=False, max_length=MAX_NOTE_CHARS,
                           widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    consent_reason = forms.CharField(
        label="Reason to sign without current consent", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the client has not signed the current consent, for example a crisis session.")
    action = forms.ChoiceField(choices=[("save", "Save draft"), ("sign", "Sign")], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "sign" and validation.says_nothing(data.get("body") or ""):
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
    return consent_needed(client)


@record_page
@require_http_methods(["GET", "POST"])
def new_note(request: HttpRequest, client_id: str) -> HttpResponse:
    """Start a progress or psychotherapy note from a template; save it as a draft or sign it."""
    vault = request_vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    if request.method == "GET":
        kind = request.GET.get("kind") if request.GET.get("kind") in Note.Kind.values else Note.Kind.PROGRESS
        template = request.GET.get("template") if request.GET.get("template") in Note.Template.values \
            else Note.Template.FREE
        sessions = _sessions(client)
        form = NoteForm(initial={"kind": kind, "template": template, "session_date": timezone.localdate(),
                                 "body": NOTE_TEMPLATES[str(template)],
                                 "appointment": sessions[0][0] if sessions else ""}, sessions=sessions)
        return _editor(request, client=client, demographics=demographics, form=form)
    form = NoteForm(request.POST, sessions=_sessions(client))
    if form.is_valid():
        data = form.cleaned_data
        try:
            note = services.create_note(vault, client.public_id, kind=data["kind"], session_date=data["session_date"],
                                        body=data["body"], template=data["template"], sign=data["action"] == "sign",
                                        consent_reason=data["consent_reason"],
                                        appointment_id=data["appointment"] or None,
                                        unscheduled_reason=data["unscheduled_reason"])
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
    # Any session id is offered here; create_note refuses one that is not this client's.
    form = NoteForm(request.POST, sessions=[(request.POST.get("appointment", ""), "")])
    if not form.is_valid():
        return _autosave_form_error(request, form)
    data = form.cleaned_data
    try:
        note = services.create_note(request_vault(request), str(client_id), kind=data["kind"],
                                    session_date=data["session_date"], body=data["body"], template=data["template"],
                                    appointment_id=data["appointment"] or None,
                                    unscheduled_reason=data["unscheduled_reason"])
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
    # Any session id is offered here; save_draft refuses one that is not this client's.
    form = DraftForm(request.POST, sessions=[(request.POST.get("appointment", ""), "")])
    if not form.is_valid():
        return _autosave_form_error(request, form)
    data = form.cleaned_data
    try:
        note = services.save_draft(request_vault(request), str(client_id), str(note_id), body=data["body"],
                                   expected_version=data["version"], session_date=data["session_date"],
                                   appointment_id=data["appointment"] or None,
                                   unscheduled_reason=data["unscheduled_reason"] or None)
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
                   session_date: dt.date, consent_reason: str = "", appointment_id: str | None = None,
                   unscheduled_reason: str | None = None) -> Note:
    """Save what is on screen, then sign exactly that version.

    Two service calls; the version check makes the pair safe (a save in between fails the
    signature with StaleVersionError). A single `sign_note(..., body=)` service would be better.
    """
    # Checked before the save, so a refused signature leaves the draft's version as it was.
    if consent_reason_missing(Note.objects.select_related("client").get(public_id=note_id), consent_reason):
        raise RecordError("This client has not signed the current consent. Give a reason to sign without "
                          "current consent (for example, a crisis).")
    saved = services.save_draft(vault, client_id, note_id, body=body, expected_version=version,
                                session_date=session_date, appointment_id=appointment_id,
                                unscheduled_reason=unscheduled_reason)
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
    vault = request_vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    opened = services.open_note(vault, client.public_id, str(note_id))
    current = opened.note
    editable = current.status == Note.Status.DRAFT and current.author_id == vault.user_id
    if request.method == "GET":
        if not editable:
            return _note_page(request, client=client, demographics=demographics, opened=opened)
        form = DraftForm(initial={"session_date": current.session_date, "body": opened.body,
                                  "version": current.version,
                                  "appointment": str(current.appointment.public_id) if current.appointment else "",
                                  "unscheduled_reason": current.unscheduled_reason},
                         sessions=_draft_sessions(client, current), kind=current.kind)
        return _editor(request, client=client, demographics=demographics, form=form, note=current)
    if not editable:
        return problem_page(request, "A signed note is locked; add an addendum instead.", 400)
    form = DraftForm(request.POST, sessions=_draft_sessions(client, current), kind=current.kind)
    status = 400
    stale = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "sign":
                _save_and_sign(vault, str(client.public_id), str(current.public_id), body=data["body"],
                               version=data["version"], session_date=data["session_date"],
                               consent_reason=data["consent_reason"], appointment_id=data["appointment"] or None,
                               unscheduled_reason=data["unscheduled_reason"] or None)
                messages.success(request, "Note signed.")
            else:
                services.save_draft(vault, client.public_id, current.public_id, body=data["body"],
                                    expected_version=data["version"], session_date=data["session_date"],
                                    appointment_id=data["appointment"] or None,
                                    unscheduled_reason=data["unscheduled_reason"] or None)
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
    vault = request_vault(request)
    client, demographics = clinical_client(vault, str(client_id))
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
    vault = request_vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    notes = services.list_notes(vault, client.public_id, kind=Note.Kind.PSYCHOTHERAPY)
    return render(request, "web/records/psychotherapy_notes.html",
                  {"client": client, "d": demographics, "notes": notes})
