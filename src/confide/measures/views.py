"""Pages of intake and measures: the care team's page per client, the practice's packets, and the
client's forms and trend in the portal. Paths carry opaque ids only; every page is no-store."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.measures import services
from confide.measures.instruments import ANSWERS, INSTRUMENTS
from confide.measures.models import Kind
from confide.portal.models import ClientAccount
from confide.portal.views import client_required, request_account, request_vault
from confide.practice.models import Role
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import CareTeamMember
from confide.web.record_pages import clinical_client, record_page, request_membership
from confide.web.record_pages import request_vault as staff_vault


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# ----------------------------------------------------------------------------- the care team's side


class SendForm(forms.Form):
    what = forms.ChoiceField(label="What to send")
    repeat_days = forms.TypedChoiceField(
        label="Repeat (measures only)", required=False, coerce=int, empty_value=None,
        choices=[("", "Once")] + [(d, f"Every {d} days") for d in services.REPEAT_CHOICES])

    def __init__(self, *args: Any, packets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["what"].choices = (  # type: ignore[attr-defined]
            [("", "Choose")] + [(f"packet:{p.public_id}", f"Intake packet: {p.name}") for p in packets]
            + [(f"measure:{i.code}", i.name) for i in INSTRUMENTS.values()])


def _may_write(request: HttpRequest, client: Any) -> bool:
    return CareTeamMember.objects.filter(client=client, user_id=request_membership(request).user_id,
                                         clinical_access=True,
                                         role__in=(CareTeamMember.Role.PRIMARY, CareTeamMember.Role.CLINICIAN)
                                         ).exists()


def _measures_page(request: HttpRequest, client_id: str, form: SendForm | None = None,
                   status: int = 200) -> HttpResponse:
    vault = staff_vault(request)
    client, demographics = clinical_client(vault, client_id)
    practice_id = request_membership(request).practice_id
    return _no_store(render(request, "measures/client_measures.html", {
        "client": client, "d": demographics, "measures": services.chart_measures(vault, client),
        "waiting": services.waiting_assignments(vault, client_id),
        "form": form or SendForm(packets=services.practice_packets(practice_id)),
        "may_write": _may_write(request, client), "shared": services.trend_shared(client),
        "has_portal": ClientAccount.objects.filter(client=client).exists(),
    }, status=status))


@record_page
@require_GET
def client_measures(request: HttpRequest, client_id: str) -> HttpResponse:
    """The client's intake answers and measure trend, what waits in their portal, and what to send."""
    return _measures_page(request, str(client_id))


@record_page
@require_POST
def send(request: HttpRequest, client_id: str) -> HttpResponse:
    """Send an intake packet or a measure (once or repeating) to the client's portal."""
    vault = staff_vault(request)
    form = SendForm(request.POST, packets=services.practice_packets(request_membership(request).practice_id))
    if form.is_valid():
        kind, _, value = form.cleaned_data["what"].partition(":")
        try:
            if kind == "packet":
                services.send_intake(vault, client_id, value)
            else:
                services.send_measure(vault, client_id, kind=value, repeat_days=form.cleaned_data["repeat_days"])
        except services.MeasureError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Sent to the client's portal.")
            return redirect("client-measures", client_id=client_id)
    return _measures_page(request, str(client_id), form, status=400)


@record_page
@require_POST
def stop(request: HttpRequest, client_id: str, assignment_id: str) -> HttpResponse:
    services.cancel_assignment(staff_vault(request), client_id, assignment_id)
    messages.success(request, "Stopped.")
    return redirect("client-measures", client_id=client_id)


@record_page
@require_POST
def review(request: HttpRequest, client_id: str, submission_id: str) -> HttpResponse:
    services.review(staff_vault(request), client_id, submission_id)
    messages.success(request, "Marked as reviewed.")
    return redirect("client-measures", client_id=client_id)


@record_page
@require_POST
def share(request: HttpRequest, client_id: str) -> HttpResponse:
    value = request.POST.get("shared")
    if value not in ("yes", "no"):
        return _measures_page(request, str(client_id), status=400)
    services.set_trend_shared(staff_vault(request), client_id, shared=value == "yes")
    messages.success(request, "The client now sees their results." if value == "yes" else "Sharing stopped.")
    return redirect("client-measures", client_id=client_id)


class PacketForm(forms.Form):
    name = forms.CharField(label="Name", max_length=services.MAX_PACKET_NAME)
    consent_text = forms.CharField(label="Consent text the client acknowledges", required=False,
                                   max_length=services.MAX_CONSENT_CHARS, widget=forms.Textarea(attrs={"rows": 4}))
    ask_demographics = forms.BooleanField(label="Ask for demographics (preferred name, pronouns, date of birth, "
                                                "phone, emergency contact)", required=False, initial=True)
    history_questions = forms.CharField(label="History questions, one a line", required=False,
                                        max_length=services.MAX_QUESTIONS * (services.MAX_QUESTION_CHARS + 1),
                                        widget=forms.Textarea(attrs={"rows": 5}))
    include_phq9 = forms.BooleanField(label="Include the PHQ-9 (depression)", required=False)
    include_gad7 = forms.BooleanField(label="Include the GAD-7 (anxiety)", required=False)


@record_page
@require_http_methods(["GET", "POST"])
def packets(request: HttpRequest) -> HttpResponse:
    """The practice's intake packets, and a form for a new one (owners and clinicians)."""
    membership = request_membership(request)
    if not (membership.role == Role.OWNER or membership.treats_clients):
        raise NotFoundError
    form = PacketForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.create_packet(staff_vault(request), name=data["name"], consent_text=data["consent_text"],
                                       ask_demographics=data["ask_demographics"],
                                       history_questions=data["history_questions"].splitlines(),
                                       measures=[c for c in INSTRUMENTS if data[f"include_{c}"]])
            except services.MeasureError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Packet saved.")
                return redirect("intake-packets")
    return render(request, "measures/packets.html", {
        "form": form, "packets": services.practice_packets(membership.practice_id)}, status=status)


# ----------------------------------------------------------------------------- the client's side


def measure_form(code: str, data: Any = None) -> forms.Form:
    """A form of one radio group per item of the instrument."""
    instrument = INSTRUMENTS[code]
    form = forms.Form(data)
    for number, item in enumerate(instrument.items, 1):
        form.fields[f"item_{number}"] = forms.TypedChoiceField(
            label=f"{number}. {item}", coerce=int, widget=forms.RadioSelect,
            choices=[(value, text) for value, text in ANSWERS],
            error_messages={"required": "Choose one answer.", "invalid_choice": "Choose one of the answers."})
    return form


def intake_form(packet: Any, data: Any = None) -> forms.Form:
    form = forms.Form(data)
    if packet.consent_text:
        form.fields["consent"] = forms.BooleanField(label="I have read this and understand it", required=False)
    if packet.ask_demographics:
        for name in services.INTAKE_FIELDS:
            widget = forms.Textarea(attrs={"rows": 2}) if name == "emergency_contact" else forms.TextInput(
                attrs={"type": "date" if name == "date_of_birth" else "text", "autocomplete": "off"})
            form.fields[name] = forms.CharField(label=services.INTAKE_LABELS[name], required=False, widget=widget,
                                                max_length=300 if name == "emergency_contact" else 100)
    for number, question in enumerate(packet.history_questions, 1):
        form.fields[f"history_{number}"] = forms.CharField(label=question, required=False,
                                                           max_length=services.MAX_ANSWER_CHARS,
                                                           widget=forms.Textarea(attrs={"rows": 3}))
    return form


@client_required
@require_GET
def portal_forms(request: HttpRequest) -> HttpResponse:
    """The forms waiting for the client (kinds and dates only)."""
    account = request_account(request)
    return _no_store(render(request, "measures/portal_forms.html", {
        "waiting": services.open_assignments(account), "shared": services.trend_shared(account.client)}))


@client_required
@require_http_methods(["GET", "POST"])
def portal_form(request: HttpRequest, assignment_id: str) -> HttpResponse:
    """One waiting form: a measure or the intake forms. Answers are sealed for the client and care team."""
    account, vault = request_account(request), request_vault(request)
    try:
        assignment = services.assignment_for(account, assignment_id)
    except NotFoundError:
        raise Http404 from None
    data = request.POST if request.method == "POST" else None
    if assignment.kind == Kind.INTAKE:
        if assignment.packet is None:
            raise Http404
        form = intake_form(assignment.packet, data)
    else:
        form = measure_form(assignment.kind, data)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = form.cleaned_data
            try:
                if assignment.kind == Kind.INTAKE:
                    assert assignment.packet is not None  # noqa: S101 (checked above)
                    services.submit_intake(
                        vault, account, assignment.public_id, consent_acknowledged=bool(values.get("consent")),
                        demographics={n: values.get(n, "") for n in services.INTAKE_FIELDS},
                        history=[values.get(f"history_{n}", "")
                                 for n in range(1, len(assignment.packet.history_questions) + 1)])
                else:
                    services.submit_measure(vault, account, assignment.public_id,
                                            [values[f"item_{n}"] for n in
                                             range(1, len(INSTRUMENTS[assignment.kind].items) + 1)])
            except RecordError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Thank you. Your answers are shared with your care team only.")
                return redirect("portal-forms")
    instrument = INSTRUMENTS.get(assignment.kind)
    return _no_store(render(request, "measures/portal_form.html", {
        "assignment": assignment, "form": form, "instrument": instrument}, status=status))


@client_required
@require_GET
def portal_trend(request: HttpRequest) -> HttpResponse:
    """The client's own PHQ-9 and GAD-7 results, when their clinician shares them."""
    measures = services.own_trend(request_vault(request), request_account(request))
    return _no_store(render(request, "measures/portal_trend.html", {"measures": measures}))
