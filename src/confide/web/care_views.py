"""Care: episodes of care with their summaries, sessions (appointments) and the treatment plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.jurisdictions import list_packs
from confide.keys.vault import Vault
from confide.lifecycle import services as lifecycle
from confide.records import care, services
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError, StaleVersionError
from confide.records.models import CareTeamMember, Client
from confide.records.services import TeamMember
from confide.scheduling import services as scheduling
from confide.web.record_pages import (
    attach_service_error,
    clinical_client,
    problem_page,
    record_page,
    request_vault,
    save_versioned,
)

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


def load_care(vault: Vault, client: Client, *, clinical: bool, team: list[TeamMember]) -> CareSummary:
    """Episodes and sessions for everyone who sees the chart; the treatment plan for the clinical scope.

    `clinical` and `team` are what the chart loaded already (`chart_views.load_chart`).
    """
    client_id = client.public_id
    upcoming, past = _split_sessions(care.list_appointments(vault, client_id))
    episodes = care.list_episodes(vault, client_id)
    plan = care.get_treatment_plan(vault, client_id) if clinical else None
    return CareSummary(episodes=episodes, upcoming=upcoming, past=past[:CHART_PAST_SESSIONS], past_total=len(past),
                       plan=plan, may_write_clinical=clinical and _writes_clinical(team, vault.user_id))


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
                              widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}))
    episode = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _episodes_page(request: HttpRequest, client_id: str, *, open_form: OpenEpisodeForm | None = None,
                   close_form: CloseEpisodeForm | None = None, status: int = 200) -> HttpResponse:
    vault = request_vault(request)
    client, demographics = clinical_client(vault, client_id)
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
    vault = request_vault(request)
    client, _ = clinical_client(vault, str(client_id))
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
    vault = request_vault(request)
    client, _ = clinical_client(vault, str(client_id))
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
    client_location = forms.ChoiceField(
        label="Where the client is", required=False, choices=(),
        help_text="Only when it differs from where the practice is (a video session with a client in another "
                  "state, say): the duty-to-warn and reporting workflow then shows that place's rules.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_location"].choices = client_location_choices()  # type: ignore[attr-defined]


def client_location_choices() -> list[tuple[str, str]]:
    """"Same as the practice" and every state or country Confide has a pack for."""
    return [("", "Same as the practice")] + [(p.code, p.name) for p in list_packs() if p.code != "US"]


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
    vault = request_vault(request)
    client, demographics = services.get_client(vault, str(client_id))
    upcoming, past = _split_sessions(care.list_appointments(vault, client.public_id))
    # The care team sees which note documents each past session (metadata only, logged as a
    # listing of notes); the front desk, who holds no clinical key, sees the sessions alone.
    notes = services.list_notes(vault, client.public_id) if vault.holds(client.pk, "clinical") else []
    return render(request, "web/records/appointments.html",
                  {"client": client, "d": demographics, "upcoming": upcoming, "past": past, "notes": notes})


def _booking_warnings(vault: Any, client: Any, data: dict[str, Any]) -> list[str]:
    """Overlaps with the clinician's other sessions (any client: times only) and hours outside availability."""
    clinician_id = data.get("clinician") or care.default_clinician(vault, client)
    starts, duration = data["starts_at"], int(data["duration"])
    found = care.overlapping(clinician_id, starts, duration, practice_id=client.practice_id)
    warnings = [f"This overlaps another session of the same clinician, "
                f"{timezone.localtime(a.starts_at):%H:%M} to "
                f"{timezone.localtime(a.starts_at + dt.timedelta(minutes=a.duration_minutes)):%H:%M} that day."
                for a in found]
    if scheduling.outside_availability(clinician_id, starts, duration):
        warnings.append("This is outside the weekly availability of the clinician.")
    return warnings


@record_page
@require_http_methods(["GET", "POST"])
def new_appointment(request: HttpRequest, client_id: str) -> HttpResponse:
    """Book a session for the client."""
    vault = request_vault(request)
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
        warnings = _booking_warnings(vault, client, data)
        if warnings and request.POST.get("book_anyway") != "yes":
            # Nothing is saved: the form comes back with the warning and a "book anyway" choice.
            context |= {"warnings": warnings, "book_anyway": True}
            return render(request, "web/records/appointment_form.html", context, status=409)
        try:
            care.create_appointment(vault, client.public_id, starts_at=data["starts_at"],
                                    duration_minutes=data["duration"], modality=data["modality"],
                                    attendance=data["attendance"], clinician_id=data["clinician"],
                                    client_location=data["client_location"])
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
    vault = request_vault(request)
    client, demographics = services.get_client(vault, str(client_id))
    opened = care.open_appointment(vault, client.public_id, str(appointment_id))
    current = opened.appointment
    context: dict[str, Any] = {"client": client, "d": demographics, "mode": "edit", "opened": opened}
    if request.method == "GET":
        context["form"] = EditAppointmentForm(initial={
            "starts_at": timezone.localtime(current.starts_at), "duration": current.duration_minutes,
            "modality": opened.modality, "attendance": opened.attendance, "version": current.version,
            "client_location": opened.client_location})
        return render(request, "web/records/appointment_form.html", context)
    form = EditAppointmentForm(request.POST)
    context["form"] = form
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        failed = save_versioned(form, context, lambda: care.update_appointment(
            vault, client.public_id, current.public_id, starts_at=data["starts_at"],
            duration_minutes=data["duration"], modality=data["modality"], attendance=data["attendance"],
            expected_version=data["version"], client_location=data["client_location"]))
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
                           help_text=help_text, widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}))


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
    vault = request_vault(request)
    client, demographics = clinical_client(vault, str(client_id))
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
    vault = request_vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    opened = care.get_treatment_plan(vault, client.public_id)
    if not _writes_clinical(services.care_team(vault, client.public_id), vault.user_id):
        return problem_page(request, "Only the clinicians of the care team can change the treatment plan; "
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
