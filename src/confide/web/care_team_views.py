"""The care team of a client: who holds which keys, granting (with the fingerprint check) and
revoking access."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from confide.practice.models import Membership, Role
from confide.records import services
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError
from confide.records.models import CareTeamMember, Client
from confide.records.services import Demographics, TeamMember
from confide.web.forms import FingerprintConfirmation, MemberChoiceForm
from confide.web.record_pages import attach_service_error, record_page, request_membership, request_vault

GRANTABLE_ROLES = [(r.value, r.label) for r in CareTeamMember.Role if r != CareTeamMember.Role.PRIMARY]


class GrantForm(MemberChoiceForm):
    role = forms.ChoiceField(label="Role on this care team", choices=GRANTABLE_ROLES)
    clinical = forms.BooleanField(label="Clinical access: progress notes and documents", required=False,
                                  help_text="Without it they see demographics only. Front-desk staff never get it.")


class ConfirmGrantForm(GrantForm, FingerprintConfirmation):
    pass


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
    vault = request_vault(request)
    membership = request_membership(request)
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
    vault = request_vault(request)
    membership = request_membership(request)
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
        services.revoke_access(request_vault(request), str(client_id), user_id=user_id)
    except NotFoundError:
        raise
    except RecordIntegrityError:
        raise
    except RecordError as exc:
        return _team_page(request, str(client_id), status=400, error=str(exc))
    messages.success(request, "Access removed. The client's keys were rotated for future writes.")
    return redirect("care-team", client_id=client_id)
