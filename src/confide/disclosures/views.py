"""Clinician pages for disclosures, and the recipient's page of a release link.

Thin views: they parse input, call one service, render. Only opaque UUIDs go into paths (the
release link's token is random and names nothing); titles are generic; refusals are 404s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.disclosures import authorizations, client_side, packets, records, required
from confide.disclosures.authorizations import (
    CATEGORIES,
    STATEMENT_CONDITIONING,
    STATEMENT_REDISCLOSURE,
    STATEMENT_REVOKE,
    AuthorizationInput,
    DisclosureError,
    IncompleteAuthorizationError,
)
from confide.disclosures.models import Authorization, CourtRequest, Disclosure
from confide.disclosures.required import IncompleteStepError
from confide.keys.vault import Vault
from confide.portal.models import ClientAccount
from confide.records import documents
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Client
from confide.records.services import Demographics
from confide.web.record_pages import attach_service_error, clinical_client, record_page

CATEGORY_CHOICES = list(CATEGORIES.items())


def _vault(request: HttpRequest) -> Vault:
    return request.vault  # type: ignore[attr-defined,no-any-return]


def _attach(form: forms.Form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}))


def _when(label: str, *, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, error_messages={"required": f"{label} is required."},
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


def _line(label: str, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=300, help_text=help_text,
                           error_messages={"required": f"{label} is required."},
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))


def _area(label: str, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=4000, help_text=help_text,
                           error_messages={"required": f"{label} is required."},
                           widget=forms.Textarea(attrs={"rows": 3}))


# ----------------------------------------------------------------------------- overview


@record_page
@require_GET
def overview(request: HttpRequest, client_id: str) -> HttpResponse:
    """A client's authorizations, court requests and every disclosure made (the internal record)."""
    vault = _vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    return render(request, "disclosures/overview.html", {
        "client": client, "d": demographics,
        "authorizations": authorizations.list_authorizations(vault, client.public_id),
        "requests": client_side.pending_requests_with_recipients(vault, client.public_id),
        "has_portal": ClientAccount.objects.filter(client=client).exists(),
        "entries": records.disclosure_record(vault, client.public_id),
        "court_requests": required.list_court_requests(vault, client.public_id),
        "drafts": client.disclosures.filter(status=Disclosure.Status.DRAFT, made_by_id=vault.user_id),
        "part2": authorizations.part2_applies(vault, client),
        "settle_form": SettleForm(), "today": timezone.localdate(),
    })


@record_page
@require_POST
def part2_flag(request: HttpRequest, client_id: str) -> HttpResponse:
    """Flag or unflag the client as having substance use disorder records (42 CFR Part 2)."""
    authorizations.set_part2_flag(_vault(request), str(client_id), flagged=request.POST.get("flagged") == "on")
    messages.success(request, "Part 2 setting saved.")
    return redirect("disclosures", client_id=client_id)


# ----------------------------------------------------------------------------- authorizations


class AuthorizationForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label="Information to disclose", choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Psychotherapy notes need an authorization of their own, with nothing else on it.")
    description = _area(
        "Description of the information", required=True,
        help_text="Specific and meaningful, for example \"progress notes from January to March 2026\".")
    discloser = _line("Who may disclose", required=True, help_text="The practice or clinician authorized to disclose.")
    recipient_name = _line("Recipient", required=True)
    recipient_address = _area("Recipient's address")
    purposes = _area("Purpose", required=True,
                     help_text="\"At the request of the client\" is enough when the client asked.")
    expires_on = _date("Expiry date", required=False)
    expiry_event = _line("or expiry event", help_text="For example \"the end of the court proceedings\".")
    signer_name = _line("Signed by", required=True)
    signed_on = _date("Date signed")
    signed_by_representative = forms.BooleanField(label="Signed by a personal representative", required=False)
    representative_authority = _line("Representative's authority", help_text="For example \"parent of a minor\".")
    patient_name = _line("Patient name (Part 2 consents)",
                         help_text="Required when the client's record holds substance use disorder records.")
    states_right_to_revoke = forms.BooleanField(label=f"The signed form states: {STATEMENT_REVOKE}")
    states_conditioning = forms.BooleanField(label=f"The signed form states: {STATEMENT_CONDITIONING}")
    states_redisclosure = forms.BooleanField(label=f"The signed form states: {STATEMENT_REDISCLOSURE}")
    scan_document_id = forms.ChoiceField(label="Scan of the signed form",
                                         help_text="Upload the scan to the chart's documents first.")

    # Requirements that depend on other answers, said beside the fields (web/_need.html).
    conditions = {
        "expires_on": "an expiry date or an expiry event is required",
        "expiry_event": "an expiry date or an expiry event is required",
        "representative_authority": "required when a personal representative signed",
        "patient_name": "required when the record holds substance use disorder records",
    }

    def __init__(self, *args: Any, scans: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Refused empty with the same words (and citations) as the service's own check.
        for name, message in authorizations.MISSING_ELEMENT.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = message
        self.fields["scan_document_id"].choices = [("", "Choose a document"), *scans]  # type: ignore[attr-defined]

    def to_input(self) -> AuthorizationInput:
        data = self.cleaned_data
        return AuthorizationInput(
            categories=tuple(data["categories"]), description=data["description"], discloser=data["discloser"],
            recipient_name=data["recipient_name"], recipient_address=data["recipient_address"],
            purposes=data["purposes"], expires_on=data["expires_on"], expiry_event=data["expiry_event"],
            signer_name=data["signer_name"], signed_on=data["signed_on"],
            signed_by_representative=data["signed_by_representative"],
            representative_authority=data["representative_authority"], patient_name=data["patient_name"],
            states_right_to_revoke=data["states_right_to_revoke"], states_conditioning=data["states_conditioning"],
            states_redisclosure=data["states_redisclosure"], signature_method=Authorization.SignatureMethod.PAPER,
            scan_document_id=data["scan_document_id"])


class PrepareAuthorizationForm(AuthorizationForm):
    """The same elements, without the signature: the client signs in the portal, which prints the statements."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, scans=[], **kwargs)
        for name in ("signed_on", "scan_document_id", "states_right_to_revoke", "states_conditioning",
                     "states_redisclosure"):
            del self.fields[name]
        self.fields["signer_name"].label = "Who will sign"
        self.fields["signer_name"].help_text = "The client, or their personal representative."

    def to_input(self) -> AuthorizationInput:
        data = self.cleaned_data
        return AuthorizationInput(
            categories=tuple(data["categories"]), description=data["description"], discloser=data["discloser"],
            recipient_name=data["recipient_name"], recipient_address=data["recipient_address"],
            purposes=data["purposes"], expires_on=data["expires_on"], expiry_event=data["expiry_event"],
            signer_name=data["signer_name"], signed_by_representative=data["signed_by_representative"],
            representative_authority=data["representative_authority"], patient_name=data["patient_name"],
            states_right_to_revoke=True, states_conditioning=True, states_redisclosure=True,
            signature_method=Authorization.SignatureMethod.PORTAL)


def _scans(vault: Vault, client: Client) -> list[tuple[str, str]]:
    return [(str(doc.public_id), f"{meta.filename} ({timezone.localtime(doc.created_at):%Y-%m-%d})")
            for doc, meta in documents.list_documents(vault, client.public_id)]


@record_page
@require_http_methods(["GET", "POST"])
def new_authorization(request: HttpRequest, client_id: str) -> HttpResponse:
    """Record an authorization signed on paper, with every element 45 CFR 164.508(c) requires."""
    vault = _vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    scans = _scans(vault, client)
    status = 200
    if request.method == "POST":
        form = AuthorizationForm(request.POST, scans=scans)
        if form.is_valid():
            try:
                auth = authorizations.create_authorization(vault, client.public_id, form.to_input())
            except IncompleteAuthorizationError as exc:
                _attach(form, exc.errors)
            else:
                messages.success(request, "Authorization saved.")
                return redirect("authorization", client_id=client.public_id, authorization_id=auth.public_id)
        status = 400
    else:
        form = AuthorizationForm(scans=scans, initial={"signed_on": timezone.localdate()})
    return render(request, "disclosures/authorization_form.html", {
        "client": client, "d": demographics, "form": form,
        "part2": authorizations.part2_applies(vault, client)}, status=status)


@record_page
@require_http_methods(["GET", "POST"])
def prepare_authorization(request: HttpRequest, client_id: str) -> HttpResponse:
    """Prepare an authorization for the client to read and sign in the portal."""
    vault = _vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    status = 200
    form = PrepareAuthorizationForm(request.POST or None)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                client_side.prepare_authorization(vault, client.public_id, form.to_input())
            except IncompleteAuthorizationError as exc:
                _attach(form, exc.errors)
            except DisclosureError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "The authorization waits for the client's signature in the portal.")
                return redirect("disclosures", client_id=client.public_id)
    return render(request, "disclosures/authorization_form.html", {
        "client": client, "d": demographics, "form": form, "prepare": True,
        "part2": authorizations.part2_applies(vault, client)}, status=status)


@record_page
@require_POST
def withdraw_request(request: HttpRequest, client_id: str, prepared_id: str) -> HttpResponse:
    """Withdraw an authorization prepared for the portal that the client has not signed."""
    try:
        client_side.withdraw_request(_vault(request), str(client_id), str(prepared_id))
    except DisclosureError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The prepared authorization is withdrawn.")
    return redirect("disclosures", client_id=client_id)


class PacketForm(forms.Form):
    categories = forms.MultipleChoiceField(label="Release", choices=CATEGORY_CHOICES, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    date_from = _date("From", required=False)
    date_to = _date("To", required=False)
    delivery = forms.ChoiceField(label="Deliver as", choices=[
        ("download", "A PDF to download"), ("link", "A release link with a passcode")])
    days = forms.IntegerField(label="Link lasts (days)", min_value=1, max_value=packets.MAX_LINK_DAYS,
                              initial=packets.DEFAULT_LINK_DAYS, required=False)


class RevokeForm(forms.Form):
    note = _area("How the client asked", help_text="For example \"letter dated 3 March, received 5 March\".")


def _authorization_page(request: HttpRequest, client_id: str, authorization_id: str, *,
                        packet_form: PacketForm | None = None, status: int = 200) -> HttpResponse:
    vault = _vault(request)
    client, demographics = clinical_client(vault, client_id)
    opened = authorizations.open_authorization(vault, client.public_id, authorization_id)
    return render(request, "disclosures/authorization.html", {
        "client": client, "d": demographics, "a": opened,
        "packet_form": packet_form or PacketForm(initial={"categories": list(opened.categories)}),
        "revoke_form": RevokeForm(), "statements": (STATEMENT_REVOKE, STATEMENT_CONDITIONING, STATEMENT_REDISCLOSURE),
    }, status=status)


@record_page
@require_GET
def authorization(request: HttpRequest, client_id: str, authorization_id: str) -> HttpResponse:
    """One authorization: its elements, its state, and the forms to release a packet or revoke it."""
    return _authorization_page(request, str(client_id), str(authorization_id))


@record_page
@require_POST
def revoke(request: HttpRequest, client_id: str, authorization_id: str) -> HttpResponse:
    """Revoke at the client's written request: new disclosures and open release links stop at once."""
    form = RevokeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    authorizations.revoke_authorization(_vault(request), str(client_id), str(authorization_id), note=note)
    messages.success(request, "Authorization revoked.")
    return redirect("authorization", client_id=client_id, authorization_id=authorization_id)


@record_page
@require_POST
def expiry_event(request: HttpRequest, client_id: str, authorization_id: str) -> HttpResponse:
    """Record that the expiry event happened today."""
    authorizations.record_expiry_event(_vault(request), str(client_id), str(authorization_id))
    messages.success(request, "The expiry event is recorded; the authorization has expired.")
    return redirect("authorization", client_id=client_id, authorization_id=authorization_id)


@record_page
@require_POST
def packet(request: HttpRequest, client_id: str, authorization_id: str) -> HttpResponse:
    """Build a packet within the authorization: a PDF download, or a release link shown once."""
    vault = _vault(request)
    form = PacketForm(request.POST)
    if not form.is_valid():
        return _authorization_page(request, str(client_id), str(authorization_id), packet_form=form, status=400)
    data = form.cleaned_data
    selection = packets.PacketSelection(categories=tuple(data["categories"]), date_from=data["date_from"],
                                        date_to=data["date_to"])
    try:
        if data["delivery"] == "download":
            made = packets.create_packet(vault, str(client_id), str(authorization_id), selection)
        else:
            made = packets.create_packet(vault, str(client_id), str(authorization_id), selection, delivery="link")
            issued = packets.create_release_link(vault, made, days=data["days"] or packets.DEFAULT_LINK_DAYS)
    except (NotFoundError, authorizations.InactiveAuthorizationError):
        raise
    except DisclosureError as exc:
        form.add_error(None, str(exc))
        return _authorization_page(request, str(client_id), str(authorization_id), packet_form=form, status=400)
    if data["delivery"] == "download":
        response = HttpResponse(made.pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="disclosure.pdf"'
        return response
    url = request.build_absolute_uri(reverse("release", args=[issued.token]))
    return render(request, "disclosures/link_issued.html", {
        "client_id": client_id, "authorization_id": authorization_id, "url": url, "passcode": issued.passcode,
        "expires_at": issued.link.expires_at, "attempts": issued.link.max_attempts})


# ----------------------------------------------------------------------------- release links (recipient)


class PasscodeForm(forms.Form):
    passcode = forms.CharField(label="Passcode", max_length=40,
                               widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


@require_http_methods(["GET", "POST"])
def release(request: HttpRequest, token: str) -> HttpResponse:
    """The recipient's page: a passcode form that reveals nothing about what is behind it."""
    link = packets.find_link(token)
    if link is None:
        raise Http404
    if not packets.link_is_open(link):
        return render(request, "disclosures/release_closed.html", status=410)
    form = PasscodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                pdf = packets.open_release_link(token, form.cleaned_data["passcode"])
            except packets.LinkUnavailableError:
                return render(request, "disclosures/release_closed.html", status=410)
            except packets.WrongPasscodeError as exc:
                form.add_error("passcode", f"That passcode is not correct. {exc.remaining} attempts left.")
            else:
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = 'attachment; filename="disclosure.pdf"'
                return response
    return render(request, "disclosures/release.html", {"form": form}, status=status)


# ----------------------------------------------------------------------------- emergency workflow


class StartForm(forms.Form):
    basis = forms.ChoiceField(label="What kind of disclosure", widget=forms.RadioSelect, choices=[
        (b.value, b.label) for b in required.EMERGENCY_BASES])


class RiskForm(forms.Form):
    threat = _area("The threat", required=True, help_text="What was said or done, in the client's words where you can.")
    victim = _area("Who is at risk", required=True, help_text="An identifiable person, group or place.")
    imminence = forms.ChoiceField(label="How imminent", choices=[("", "Choose"), *required.IMMINENCE.items()])
    means = _area("Means", required=True, help_text="Access to weapons or other means; \"none known\" if none.")
    history = _area("History", help_text="Past violence, threats or attempts.")


class RuleForm(forms.Form):
    rule_reviewed = forms.BooleanField(label="I have read the rule above and how it applies here")
    consulted = forms.BooleanField(label="I consulted someone (a supervisor, colleague, lawyer or insurer)",
                                   required=False)
    consultant = _line("Who you consulted")
    consulted_at = _when("When you consulted")
    advice = _area("Their advice")
    no_consultation_reason = _area("If you consulted no one: why")

    conditions = {
        "consultant": "required when you consulted someone",
        "consulted_at": "required when you consulted someone",
        "advice": "required when you consulted someone",
        "no_consultation_reason": "required when you consulted no one",
    }


class DisclosureForm(forms.Form):
    recipient_type = forms.ChoiceField(label="Disclosed to",
                                       choices=[("", "Choose"), *required.RECIPIENT_TYPES.items()])
    recipient_name = _line("Name of the recipient", required=True,
                           help_text="Agency and person, e.g. the officer's name.")
    recipient_address = _line("Their address or number")
    method = forms.ChoiceField(label="How", widget=forms.RadioSelect,
                               choices=list(required.METHODS.items()))
    disclosed_at = _when("When it was disclosed", required=True)
    items = forms.MultipleChoiceField(label="What was disclosed (minimum necessary)",
                                      widget=forms.CheckboxSelectMultiple,
                                      choices=list(required.DISCLOSED_ITEMS.items()))
    details = _area("What was said", required=True)


class ClientToldForm(forms.Form):
    client_told = forms.ChoiceField(label="Was the client told?", widget=forms.RadioSelect,
                                    choices=list(required.CLIENT_TOLD.items()))
    told_at = _when("When the client was told")
    not_told_reason = _area("If not: why not, and when they will be told")

    conditions = {"told_at": "required when the client was told",
                  "not_told_reason": "required when the client was not told yet"}


class ReviewForm(forms.Form):
    confirm = forms.BooleanField(label="This record is accurate and complete")


STEP_FORMS: dict[str, type[forms.Form]] = {
    "risk": RiskForm, "rule": RuleForm, "disclosure": DisclosureForm, "client": ClientToldForm,
    "review": ReviewForm,
}


@record_page
@require_http_methods(["GET", "POST"])
def new_emergency(request: HttpRequest, client_id: str) -> HttpResponse:
    """Start the guided workflow for a legally required or emergency disclosure."""
    vault = _vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        draft = required.start_emergency_disclosure(vault, client.public_id, basis=form.cleaned_data["basis"])
        return redirect("emergency", client_id=client.public_id, disclosure_id=draft.public_id)
    return render(request, "disclosures/emergency_start.html", {"client": client, "d": demographics, "form": form},
                  status=400 if request.method == "POST" else 200)


def _initial(step: str, answers: dict[str, Any]) -> dict[str, Any]:
    values = dict(answers.get(step, {}))
    for name in ("consulted_at", "disclosed_at", "told_at"):
        if values.get(name):
            values[name] = timezone.localtime(dt.datetime.fromisoformat(values[name])).strftime("%Y-%m-%dT%H:%M")
    return values


@record_page
@require_http_methods(["GET", "POST"])
def emergency(request: HttpRequest, client_id: str, disclosure_id: str) -> HttpResponse:
    """One step of the workflow (GET `?step=` to go back), or the recorded disclosure."""
    vault = _vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    draft = required.open_emergency(vault, client.public_id, str(disclosure_id))
    disclosure = draft.disclosure
    context: dict[str, Any] = {
        "client": client, "d": demographics, "draft": draft, "basis": disclosure.get_basis_display(),
        "steps": [(s, required.STEP_TITLES[s]) for s in required.STEPS],
    }
    if draft.recorded:
        context |= _labels(draft.answers)
        return render(request, "disclosures/emergency_record.html", context)
    step = str(request.POST.get("step") or request.GET.get("step") or draft.next_step)
    if step not in required.STEPS or required.STEPS.index(step) > disclosure.step:
        step = draft.next_step
    status = 200
    form_class = STEP_FORMS[step]
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                saved = required.save_emergency_step(vault, client.public_id, disclosure.public_id, step,
                                                     form.cleaned_data)
            except IncompleteStepError as exc:
                _attach(form, exc.errors)
            except NotFoundError:
                raise
            except RecordError as exc:
                form.add_error(None, str(exc))
            else:
                if saved.recorded:
                    messages.success(request, "The disclosure is recorded.")
                return redirect("emergency", client_id=client.public_id, disclosure_id=disclosure.public_id)
        status = 400
    else:
        form = form_class(initial=_initial(step, draft.answers))
    context |= {"step": step, "step_title": required.STEP_TITLES[step], "form": form,
                "step_number": required.STEPS.index(step) + 1}
    if step == "rule":
        location = required.client_location(_vault(request), client.public_id)
        context["rules"] = required.jurisdiction_rules(client.practice, disclosure.basis, location=location)
        context["which_law"] = required.which_law(client.practice, location)
        context["pack_confirmed"] = required.pack_confirmed(client.practice)
    if step == "review":
        context |= _labels(draft.answers)
    return render(request, "disclosures/emergency_step.html", context, status=status)


def _labels(answers: dict[str, Any]) -> dict[str, Any]:
    """Readable labels for the chosen options, for the review and the recorded page."""
    disclosure = answers.get("disclosure", {})
    times = {
        "consulted_at": answers.get("rule", {}).get("consulted_at", ""),
        "disclosed_at": disclosure.get("disclosed_at", ""), "told_at": answers.get("client", {}).get("told_at", ""),
        "recorded_at": answers.get("recorded_at", ""),
    }
    return {
        "answers": answers,
        "times": {name: timezone.localtime(dt.datetime.fromisoformat(value)) for name, value in times.items()
                  if value},
        "imminence_label": required.IMMINENCE.get(answers.get("risk", {}).get("imminence", ""), ""),
        "recipient_type_label": required.RECIPIENT_TYPES.get(disclosure.get("recipient_type", ""), ""),
        "method_label": required.METHODS.get(disclosure.get("method", ""), ""),
        "item_labels": [required.DISCLOSED_ITEMS[i] for i in disclosure.get("items", [])
                        if i in required.DISCLOSED_ITEMS],
        "client_told_label": required.CLIENT_TOLD.get(answers.get("client", {}).get("client_told", ""), ""),
    }


# ----------------------------------------------------------------------------- court requests


class CourtForm(forms.Form):
    court = _line("Court or agency", required=True)
    reference = _line("Case number")
    requested_by = _line("Who asks", required=True,
                         help_text="The party or lawyer that issued the subpoena, or the court.")
    requested = _area("What is asked for", required=True)
    received_on = _date("Received on")
    deadline = _date("Deadline to respond")
    notes = _area("Notes")


class SettleForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[
        (o.value, o.label) for o in CourtRequest.Outcome if o != CourtRequest.Outcome.PENDING])
    disclosed = _area("What was disclosed")
    notes = _area("Notes")

    conditions = {"disclosed": "required when records were disclosed as ordered"}


@record_page
@require_http_methods(["GET", "POST"])
def new_court_request(request: HttpRequest, client_id: str) -> HttpResponse:
    """Record a court order or subpoena with its deadline."""
    vault = _vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    form = CourtForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                required.create_court_request(vault, client.public_id, received_on=data["received_on"],
                                              deadline=data["deadline"], data=data)
            except IncompleteStepError as exc:
                _attach(form, exc.errors)
            else:
                messages.success(request, "Court request saved.")
                return redirect("disclosures", client_id=client.public_id)
        return render(request, "disclosures/court_form.html", {"client": client, "d": demographics, "form": form},
                      status=400)
    return render(request, "disclosures/court_form.html", {"client": client, "d": demographics, "form": form})


@record_page
@require_POST
def settle_court_request(request: HttpRequest, client_id: str, request_id: str) -> HttpResponse:
    """Record the outcome of a court request (and the disclosure, when records were sent)."""
    form = SettleForm(request.POST)
    if not form.is_valid():
        raise DisclosureError("Choose the outcome.")
    data = form.cleaned_data
    try:
        required.settle_court_request(_vault(request), str(client_id), str(request_id), outcome=data["outcome"],
                                      notes=data["notes"], disclosed=data["disclosed"])
    except IncompleteStepError as exc:
        raise DisclosureError(str(exc)) from None
    messages.success(request, "Outcome recorded.")
    return redirect("disclosures", client_id=client_id)


# ----------------------------------------------------------------------------- other disclosures


class OtherDisclosureForm(forms.Form):
    basis = forms.ChoiceField(label="Basis", choices=[(b.value, b.label) for b in records.MANUAL_BASES])
    recipient_name = _line("Recipient", required=True)
    recipient_address = _line("Recipient's address")
    description = _area("What was disclosed", required=True)
    purpose = _area("Purpose", required=True)
    disclosed_on = _date("Date", required=False)


@record_page
@require_http_methods(["GET", "POST"])
def new_other_disclosure(request: HttpRequest, client_id: str) -> HttpResponse:
    """Record a disclosure made outside Confide (treatment, payment, operations, to the client)."""
    vault = _vault(request)
    client, demographics = clinical_client(vault, str(client_id))
    form = OtherDisclosureForm(request.POST or None, initial={"disclosed_on": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                records.record_disclosure(vault, client.public_id, basis=data["basis"],
                                          recipient_name=data["recipient_name"],
                                          recipient_address=data["recipient_address"],
                                          description=data["description"], purpose=data["purpose"],
                                          disclosed_on=data["disclosed_on"])
            except NotFoundError:
                raise
            except RecordError as exc:
                attach_service_error(form, str(exc))
            else:
                messages.success(request, "Disclosure recorded.")
                return redirect("disclosures", client_id=client.public_id)
        return render(request, "disclosures/other_form.html", {"client": client, "d": demographics, "form": form},
                      status=400)
    return render(request, "disclosures/other_form.html", {"client": client, "d": demographics, "form": form})


# ----------------------------------------------------------------------------- accounting


def _accounting_client(request: HttpRequest, client_id: str) -> tuple[Client, Demographics]:
    return clinical_client(_vault(request), client_id)


@record_page
@require_GET
def accounting(request: HttpRequest, client_id: str) -> HttpResponse:
    """The client's accounting of disclosures (45 CFR 164.528)."""
    vault = _vault(request)
    client, demographics = _accounting_client(request, str(client_id))
    return render(request, "disclosures/accounting.html", {
        "client": client, "d": demographics, "entries": records.accounting(vault, client.public_id),
        "years": records.ACCOUNTING_YEARS})


@record_page
@require_GET
def accounting_pdf(request: HttpRequest, client_id: str) -> HttpResponse:
    """The accounting of disclosures as a PDF, named generically."""
    vault = _vault(request)
    client, _ = _accounting_client(request, str(client_id))
    response = HttpResponse(records.accounting_pdf(vault, client.public_id), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="accounting-of-disclosures.pdf"'
    return response
