"""Pages for life after therapy: a client's retention and holds; the owner's retention, destruction and backups.

Thin: each view parses a form, calls one `confide.lifecycle.services` function and renders.
The destruction queue names clients by opaque id and dates only; names are on the chart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from confide.audit.tags import Tag
from confide.backup.checks import backup_age_warnings
from confide.backup.models import BackupRun
from confide.keys.vault import Vault
from confide.lifecycle import services as lifecycle
from confide.lifecycle.models import Discharge, LegalHold, Tombstone
from confide.lifecycle.pdf import render_certificate_pdf
from confide.practice.models import Membership, Role
from confide.records import services as records
from confide.records.auditing import audit
from confide.records.errors import NotFoundError
from confide.web.decorators import vault_required
from confide.web.record_pages import record_errors


def _vault(request: HttpRequest) -> Vault:
    return request.vault  # type: ignore[attr-defined, no-any-return]


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined, no-any-return]


class DischargeForm(forms.Form):
    last_contact = forms.DateField(label="Last contact", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text="Leave empty to use the latest session, note or closed episode.")


class OverrideForm(forms.Form):
    until = forms.DateField(label="Keep until", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="Empty returns to the rule's date.")
    reason = forms.CharField(label="Reason (required when keeping shorter than the rule)", required=False,
                             max_length=lifecycle.MAX_REASON, widget=forms.Textarea(attrs={"rows": 3}))


class HoldForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of hold", choices=LegalHold.Kind.choices)
    reason = forms.CharField(label="Reason", min_length=lifecycle.MIN_OVERRIDE_REASON, max_length=lifecycle.MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 3}))


class PolicyForm(forms.Form):
    extra_years = forms.IntegerField(label="Keep records this many years longer than the law asks", min_value=0,
                                     max_value=50)
    solo_wait_days = forms.IntegerField(label="Waiting period before a solo practitioner's second confirmation (days)",
                                        min_value=1, max_value=365)


def _retention_page(request: HttpRequest, client_id: str, *, forms_: dict[str, forms.Form] | None = None,
                    status: int = 200) -> HttpResponse:
    vault, membership = _vault(request), _membership(request)
    client, demographics = records.get_client(vault, client_id)
    view = lifecycle.retention_for(vault, client)
    holds = [(hold, lifecycle.hold_reason(vault, client, hold)) for hold in view.holds]
    row = Discharge.objects.filter(client=client).first()
    is_owner = membership.role == Role.OWNER
    context: dict[str, Any] = {
        "client": client, "d": demographics, "view": view, "holds": holds, "is_owner": is_owner,
        "may_discharge": membership.role in (Role.OWNER, Role.CLINICIAN),
        "override_reason": lifecycle.override_reason(vault, client, row) if row and is_owner else "",
        "discharge_form": DischargeForm(), "override_form": OverrideForm(), "hold_form": HoldForm(),
    }
    context.update(forms_ or {})
    return render(request, "web/lifecycle/retention.html", context, status=status)


@vault_required
@record_errors
@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest, client_id: str) -> HttpResponse:
    """A client's retention date and rule, legal holds, and (for the owner) overrides and holds."""
    if request.method == "GET":
        return _retention_page(request, str(client_id))
    vault = _vault(request)
    action = request.POST.get("action")
    try:
        if action == "discharge":
            form: forms.Form = DischargeForm(request.POST)
            if form.is_valid():
                lifecycle.discharge(vault, str(client_id), last_contact=form.cleaned_data["last_contact"])
                messages.success(request, "The client is discharged; the retention date is set.")
                return redirect("client-retention", client_id=client_id)
            return _retention_page(request, str(client_id), forms_={"discharge_form": form}, status=400)
        if action == "override":
            form = OverrideForm(request.POST)
            if form.is_valid():
                lifecycle.set_override(vault, str(client_id), until=form.cleaned_data["until"],
                                       reason=form.cleaned_data["reason"])
                messages.success(request, "The retention date was changed; the change is on the record.")
                return redirect("client-retention", client_id=client_id)
            return _retention_page(request, str(client_id), forms_={"override_form": form}, status=400)
        if action == "hold":
            form = HoldForm(request.POST)
            if form.is_valid():
                lifecycle.place_hold(vault, str(client_id), kind=form.cleaned_data["kind"],
                                     reason=form.cleaned_data["reason"])
                messages.success(request, "Legal hold placed: this record cannot be destroyed until it is lifted.")
                return redirect("client-retention", client_id=client_id)
            return _retention_page(request, str(client_id), forms_={"hold_form": form}, status=400)
        if action == "lift":
            lifecycle.lift_hold(vault, str(client_id), request.POST.get("hold", ""))
            messages.success(request, "Legal hold lifted.")
            return redirect("client-retention", client_id=client_id)
    except lifecycle.LifecycleError as exc:
        return render(request, "web/records/problem.html", {"message": str(exc)}, status=400)
    return HttpResponse("Unknown action.", status=400)


def _owner_vault(request: HttpRequest) -> Vault:
    if _membership(request).role != Role.OWNER:
        raise Http404
    return _vault(request)


@vault_required
@record_errors
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest) -> HttpResponse:
    """The owner's page: retention policy, the destruction queue, destroyed records and backups."""
    membership = _membership(request)
    if membership.role not in (Role.OWNER, Role.CLINICIAN):
        raise Http404
    vault = _vault(request)
    is_owner = membership.role == Role.OWNER
    policy = lifecycle.policy_for(membership.practice_id)
    policy_form = PolicyForm(initial={"extra_years": policy.extra_years, "solo_wait_days": policy.solo_wait_days})
    status = 200
    if request.method == "POST":
        if not is_owner:
            raise Http404
        policy_form = PolicyForm(request.POST)
        if policy_form.is_valid():
            try:
                lifecycle.set_policy(vault, **policy_form.cleaned_data)
            except lifecycle.LifecycleError as exc:
                policy_form.add_error(None, str(exc))
            else:
                messages.success(request, "Retention policy saved.")
                return redirect("retention-overview")
        status = 400
    newest = BackupRun.objects.first()
    context = {
        "is_owner": is_owner, "policy": policy, "policy_form": policy_form,
        "queue": lifecycle.destruction_queue(vault) if is_owner else [],
        "confirmations": lifecycle.pending_confirmations(vault),
        "tombstones": Tombstone.objects.filter(practice_id=membership.practice_id)[:200] if is_owner else [],
        "newest_backup": newest, "backup_warning": backup_age_warnings() if is_owner else [],
        "today": dt.date.today(),
    }
    return render(request, "web/lifecycle/overview.html", context, status=status)


@vault_required
@record_errors
@require_POST
def approve(request: HttpRequest, client_id: str) -> HttpResponse:
    """The owner approves (or withdraws the approval of) destroying a record past its date."""
    vault = _owner_vault(request)
    try:
        if request.POST.get("action") == "cancel":
            lifecycle.cancel_destruction(vault, str(client_id))
            messages.success(request, "The approval was withdrawn.")
        else:
            request_row = lifecycle.approve_destruction(vault, str(client_id))
            messages.success(request, "Destruction approved. " + (
                "Confirm it again after the waiting period." if request_row.confirm_after else
                "Another owner or a clinician must now confirm it."))
    except lifecycle.LifecycleError as exc:
        return render(request, "web/records/problem.html", {"message": str(exc)}, status=400)
    return redirect("retention-overview")


@vault_required
@record_errors
@require_POST
def confirm(request: HttpRequest, destruction_id: str) -> HttpResponse:
    """The second person (or the solo practitioner after the wait) confirms: the record is destroyed."""
    if request.POST.get("confirm_text", "").strip().lower() != "destroy":
        return render(request, "web/records/problem.html",
                      {"message": "Type DESTROY to confirm that the record is to be destroyed."}, status=400)
    try:
        lifecycle.confirm_destruction(_vault(request), str(destruction_id))
    except lifecycle.LifecycleError as exc:
        return render(request, "web/records/problem.html", {"message": str(exc)}, status=400)
    messages.success(request, "The record was destroyed and its certificate written to the audit log.")
    return redirect("retention-overview")


@vault_required
@record_errors
def certificate(request: HttpRequest, destroyed_client_id: str) -> HttpResponse:
    """The destruction certificate of a destroyed record as a PDF, verified against the log first."""
    vault = _owner_vault(request)
    membership = _membership(request)
    tombstone = Tombstone.objects.filter(client_public_id=destroyed_client_id,
                                         practice_id=membership.practice_id).first()
    if tombstone is None:
        raise NotFoundError
    try:
        position: int | None = lifecycle.verify_certificate(tombstone)
    except lifecycle.LifecycleError:
        position = None
    audit(vault, Tag.CERTIFICATE_DOWNLOADED)
    pdf = render_certificate_pdf(tombstone, practice_name=membership.practice.name, verified_position=position)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="destruction-certificate.pdf"'
    return response
