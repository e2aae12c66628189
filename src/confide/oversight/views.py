"""Pages of break-glass access (holders), emergency-access holders and alerts (the owner). Thin."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.keys.vault import Vault
from confide.oversight import alerts, services
from confide.oversight.models import Alert, EmergencyAccessHolder
from confide.practice.models import Membership, Role
from confide.records.errors import NotFoundError
from confide.web.decorators import owner_required, vault_required
from confide.web.forms import FingerprintConfirmation, MemberChoiceForm
from confide.web.record_pages import record_errors


def _vault(request: HttpRequest) -> Vault:
    return request.vault  # type: ignore[attr-defined,no-any-return]


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _require_owner(request: HttpRequest) -> Membership:
    membership = _membership(request)
    if membership.role != Role.OWNER:
        raise Http404
    return membership


class DesignateForm(MemberChoiceForm):
    pass


class ConfirmDesignateForm(DesignateForm, FingerprintConfirmation):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason for emergency access", max_length=services.MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": services.MAX_REASON_CHARS}),
        help_text="Required. What makes this an emergency. The practice owner reads it and the client "
                  "sees that an emergency access happened. Write no more clinical detail than needed.",
        error_messages={"required": "State the reason for the emergency access.",
                        "max_length": f"The reason is longer than {services.MAX_REASON_CHARS} characters."})


class SearchForm(forms.Form):
    q = forms.CharField(label="Client's name", max_length=100, min_length=services.MIN_SEARCH_CHARS,
                        error_messages={"required": "Type at least two letters of the client's name.",
                                        "min_length": "Type at least two letters of the client's name."})


def _candidates(practice_id: int) -> list[Membership]:
    held = set(EmergencyAccessHolder.objects.values_list("user_id", flat=True))
    members = (Membership.objects.filter(practice_id=practice_id, user__is_active=True, role__in=services.HOLDER_ROLES)
               .select_related("user__key_pair").order_by("role", "user__email"))
    return [m for m in members if hasattr(m.user, "key_pair") and m.user_id not in held]


def _holders_page(request: HttpRequest, *, form: forms.Form | None = None, status: int = 200,
                  error: str = "") -> HttpResponse:
    membership = _membership(request)
    candidates = _candidates(membership.practice_id)
    return render(request, "oversight/holders.html", {
        "holders": services.list_holders(membership.practice_id),
        "form": form or DesignateForm(candidates=candidates), "candidates": candidates, "error": error,
        "minutes": _minutes(),
    }, status=status)


def _minutes() -> int:
    from django.conf import settings

    return int(settings.CONFIDE_BREAKGLASS_MINUTES)


@vault_required
@require_http_methods(["GET", "POST"])
def holders(request: HttpRequest) -> HttpResponse:
    """The owner designates emergency-access holders, comparing key fingerprints first."""
    membership = _require_owner(request)
    if request.method == "GET":
        return _holders_page(request)
    candidates = _candidates(membership.practice_id)
    confirming = "fingerprint" in request.POST
    form: DesignateForm = (ConfirmDesignateForm if confirming else DesignateForm)(request.POST, candidates=candidates)
    if not form.is_valid():
        if confirming and form.has_error("fingerprint_confirmed") and len(form.errors) == 1:
            return _confirm_page(request, form, status=400)
        return _holders_page(request, form=form, status=400)
    if not confirming:
        return _confirm_page(request, form)
    person = form.candidates[form.cleaned_data["user"]]
    if form.cleaned_data["fingerprint"] != person.user.key_pair.fingerprint:
        return _confirm_page(request, form, status=409,
                             error="Their key changed while you were comparing. Compare the new fingerprint.")
    try:
        status = services.designate_holder(_vault(request), user_id=person.user_id,
                                           fingerprint=form.cleaned_data["fingerprint"])
    except services.OversightError as exc:
        return _holders_page(request, form=form, status=400, error=str(exc))
    messages.success(request, f"{person.user} now holds emergency access ({status.wrapped} of {status.total} "
                              "client keys wrapped so far).")
    return redirect("emergency-holders")


def _confirm_page(request: HttpRequest, form: DesignateForm, *, status: int = 200, error: str = "") -> HttpResponse:
    person = form.candidates[form.cleaned_data["user"]]
    return render(request, "oversight/holder_confirm.html", {
        "person": person, "fingerprint": person.user.key_pair.fingerprint, "form": form, "error": error,
    }, status=status)


@owner_required
@require_POST
def revoke_holder(request: HttpRequest) -> HttpResponse:
    """Withdraw someone's emergency access (their wraps are deleted and the keys rotated)."""
    try:
        user_id = int(request.POST.get("user_id", ""))
    except ValueError:
        return _problem(request, "Choose whose emergency access to withdraw.", 400)
    try:
        services.revoke_holder(request.user, user_id=user_id)  # type: ignore[arg-type]
    except services.OversightError as exc:
        return _problem(request, str(exc), 400)
    messages.success(request, "Emergency access withdrawn; the keys they held were rotated.")
    return redirect("emergency-holders")


def _problem(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "web/records/problem.html", {"message": message}, status=status)


# ----------------------------------------------------------------------------- holders: break-glass


@vault_required
@record_errors
@require_http_methods(["GET", "POST"])
def emergency(request: HttpRequest) -> HttpResponse:
    """A holder finds a client outside their care teams (search by name, as a POST) and opens the record."""
    vault = _vault(request)
    if not services.is_holder(vault.person_id):
        raise Http404
    form = SearchForm(request.POST if request.method == "POST" else None)
    results: list[services.Candidate] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                results = services.search_for_emergency(vault, form.cleaned_data["q"])
            except services.OversightError as exc:
                form.add_error("q", str(exc))
                status = 400
        else:
            status = 400
    return render(request, "oversight/emergency.html", {
        "form": form, "results": results, "searched": request.method == "POST" and status == 200,
        "sessions": services.live_sessions(vault.person_id), "minutes": _minutes(),
    }, status=status)


@vault_required
@record_errors
@require_http_methods(["GET", "POST"])
def open_emergency(request: HttpRequest, client_id: str) -> HttpResponse:
    """State a reason and open a time-limited break-glass session on one client's record."""
    vault = _vault(request)
    if request.method == "GET":
        if not services.is_holder(vault.person_id):
            raise Http404
        return render(request, "oversight/open.html", {"form": ReasonForm(), "client_id": client_id,
                                                        "minutes": _minutes()})
    form = ReasonForm(request.POST)
    try:
        if not services.is_holder(vault.person_id):
            services.open_break_glass(vault, client_id, "")  # refused, and logged as denied
        if not form.is_valid():
            return render(request, "oversight/open.html", {"form": form, "client_id": client_id,
                                                            "minutes": _minutes()}, status=400)
        session = services.open_break_glass(vault, client_id, form.cleaned_data["reason"])
    except services.NotAHolderError as exc:
        return _problem(request, str(exc), 403)
    except services.OversightError as exc:
        form.add_error("reason" if "reason" in str(exc).lower() else None, str(exc))
        return render(request, "oversight/open.html", {"form": form, "client_id": client_id,
                                                        "minutes": _minutes()}, status=400)
    until = timezone.localtime(session.expires_at).strftime("%H:%M")
    messages.warning(request, f"Emergency access is open until {until}. Every page you open is logged, the "
                              "practice owner has been alerted, and the client will see this access.")
    return redirect("client-chart", client_id=session.client.public_id)


@vault_required
@record_errors
@require_POST
def end_emergency(request: HttpRequest, session_id: str) -> HttpResponse:
    """End one's own break-glass session early."""
    services.end_break_glass(_vault(request), session_id)
    messages.success(request, "Emergency access ended.")
    return redirect("emergency")


# ----------------------------------------------------------------------------- owner: alerts


@owner_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    """The owner's alerts: emergency accesses, charts outside a caseload, new devices, bulk downloads."""
    membership = _membership(request)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "open")
    status = status if status in alerts.STATUSES else "open"
    severity = request.GET.get("severity", "")
    return render(request, "oversight/alerts.html", {
        "alerts": alerts.list_alerts(membership.practice_id, kind=kind, status=status, severity=severity),
        "kinds": Alert.Kind.choices, "kind": kind, "status": status, "severity": severity,
        "open_count": alerts.open_alerts_count(membership.practice_id)})


@vault_required
@record_errors
@require_GET
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert; for an emergency access, the stated reason (opening it is logged)."""
    membership = _require_owner(request)
    alert = (Alert.objects.select_related("subject", "session__client", "acknowledged_by")
             .filter(pk=alert_id, practice_id=membership.practice_id).first())
    if alert is None:
        raise Http404
    reason = None
    if alert.session is not None:
        try:
            reason = services.read_reason(_vault(request), alert.session)
        except NotFoundError:
            reason = None
    return render(request, "oversight/alert.html", {"alert": alert, "reason": reason})


@owner_required
@require_POST
def acknowledge_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Mark an alert as reviewed."""
    try:
        alerts.acknowledge(request.user, alert_id)  # type: ignore[arg-type]
    except alerts.AlertError as exc:
        return _problem(request, str(exc), 404)
    messages.success(request, "Alert marked as reviewed.")
    return redirect("alerts")
