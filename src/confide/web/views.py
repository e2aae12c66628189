"""Staff pages: home, practice settings, staff and invitations, account security, session keep-alive."""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide import crypto
from confide.accounts import guessing
from confide.accounts.backends import BACKEND
from confide.accounts.middleware import LAST_ACTIVITY_KEY
from confide.accounts.policy import has_mfa, idle_timeout_seconds
from confide.accounts.sessions import stored_session_key
from confide.jurisdictions import pack_confirmed
from confide.keys.web import start as start_vault
from confide.keys.web import unlock_with_password
from confide.notifications.worker import worker_status
from confide.oversight import alerts as oversight_alerts
from confide.portal.services import unread_notices
from confide.practice import second_factor, services
from confide.practice.jurisdictions import JURISDICTIONS
from confide.practice.models import Invitation, Membership, Role
from confide.web.decorators import owner_required, staff_required
from confide.web.forms import AcceptInvitationForm, InviteForm, PracticeSettingsForm


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page after sign-in."""
    membership: Membership = request.membership  # type: ignore[attr-defined]

    is_owner = membership.role == Role.OWNER
    unconfirmed = is_owner and not pack_confirmed(membership.practice)
    serious = oversight_alerts.open_serious_alerts(membership.practice_id) if is_owner else []
    return render(request, "web/home.html", {"practice": membership.practice, "jurisdiction_unconfirmed": unconfirmed,
                                             "portal_notices": unread_notices(request.user),
                                             "serious_alerts": serious,
                                             "worker": worker_status() if membership.role == Role.OWNER else None})


@staff_required
@require_http_methods(["GET", "POST"])
def practice_settings(request: HttpRequest) -> HttpResponse:
    """Show the practice's settings to staff; let the owner change them."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    practice = membership.practice
    is_owner = membership.role == Role.OWNER
    initial = {
        "name": practice.name,
        "mfa_required": practice.mfa_required,
        "session_idle_minutes": practice.session_idle_minutes,
        "late_entry_hours": practice.late_entry_hours,
    }
    if request.method == "POST":
        if not is_owner:
            return HttpResponse("Only the practice owner can change settings.", status=403)
        form = PracticeSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.update_practice_settings(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except services.PracticeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Practice settings saved.")
                return redirect("practice-settings")
    else:
        form = PracticeSettingsForm(initial=initial)
    return render(
        request,
        "web/practice_settings.html",
        {
            "form": form,
            "practice": practice,
            "is_owner": is_owner,
            "jurisdiction_name": JURISDICTIONS.get(practice.jurisdiction, practice.jurisdiction),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    """List the practice's staff; the owner invites, withdraws invitations and suspends accounts."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    is_owner = membership.role == Role.OWNER
    form = InviteForm()
    status = 200
    if request.method == "POST":
        if not is_owner:
            return HttpResponse("Only the practice owner can invite staff.", status=403)
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                services.invite_staff(inviter=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except services.PracticeError as exc:
                form.add_error("email", str(exc))
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("staff-list")
        status = 400
    members = Membership.objects.filter(practice=membership.practice).select_related("user").order_by(
        "joined_at", "user__email"
    )
    invitations = Invitation.objects.filter(practice=membership.practice, accepted_at=None)[:50]
    return render(
        request,
        "web/staff_list.html",
        {
            "members": members,
            "invitations": invitations,
            "form": form,
            "is_owner": is_owner,
        },
        status=status,
    )


@owner_required
@require_POST
def revoke_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Withdraw a pending invitation."""
    try:
        services.revoke_invitation(actor=request.user, invitation_id=invitation_id)  # type: ignore[arg-type]
    except services.PracticeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Invitation withdrawn.")
    return redirect("staff-list")


@owner_required
@require_POST
def set_member_active(request: HttpRequest, member_id: int) -> HttpResponse:
    """Suspend or restore a staff member."""
    active = request.POST.get("active") == "1"
    try:
        member = services.set_member_active(actor=request.user, member_id=member_id, active=active)  # type: ignore[arg-type]
    except services.PracticeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{member.user} is {'active' if active else 'suspended'}.")
    return redirect("staff-list")


@owner_required
@require_POST
def reset_member_mfa(request: HttpRequest, member_id: int) -> HttpResponse:
    """Reset a staff member's lost second factor, after the owner confirms checking who asked."""
    try:
        member = second_factor.reset_second_factor(actor=request.user, member_id=member_id,  # type: ignore[arg-type]
                                                   identity_checked=request.POST.get("identity_checked") == "1")
    except services.PracticeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{member.user}'s second factor was reset. They set up a new one at their next "
                                  "sign-in and were told by e-mail.")
    return redirect("staff-list")


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: choose a password, then enrol a second factor."""
    try:
        invitation = services.find_invitation(token)
    except services.InvalidInvitationError as exc:
        return render(request, "web/invitation_invalid.html", {"message": str(exc)}, status=404)
    if request.user.is_authenticated:
        logout(request)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                token=token, password=form.cleaned_data["password1"], display_name=form.cleaned_data["display_name"]
            )
        except services.InvalidInvitationError as exc:
            return render(request, "web/invitation_invalid.html", {"message": str(exc)}, status=404)
        login(request, user, backend=BACKEND)
        unlock_with_password(request, form.cleaned_data["password1"])
        messages.success(request, "Welcome to Confide. Next, protect your account with a second factor.")
        return redirect("account-security")
    return render(
        request,
        "web/accept_invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def account_security(request: HttpRequest) -> HttpResponse:
    """The person's second factors and signed-in sessions."""
    authenticators = Authenticator.objects.filter(user=request.user).order_by("type")
    sessions = UserSession.objects.filter(user=request.user).order_by("-last_seen_at")
    return render(
        request,
        "web/account_security.html",
        {
            "authenticators": authenticators,
            "has_totp": authenticators.filter(type=Authenticator.Type.TOTP).exists(),
            "has_recovery_codes": authenticators.filter(type=Authenticator.Type.RECOVERY_CODES).exists(),
            "has_mfa": has_mfa(request.user),
            "sessions": sessions,
            "current_session_key": stored_session_key(request.session.session_key or ""),
        },
    )


@staff_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this person, this one included."""
    for session in UserSession.objects.filter(user=request.user):
        session.end()
    logout(request)
    messages.info(request, "You have been signed out on every device.")
    return redirect("account_login")


@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds left before the idle timeout; polling this does not count as activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    timeout = idle_timeout_seconds(request.user)
    last = request.session.get(LAST_ACTIVITY_KEY, time.time())
    remaining = max(0, int(timeout - (time.time() - float(last))))
    return JsonResponse({"signed_in": True, "remaining_seconds": remaining})


@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """Mark the session active (the middleware has already recorded this request)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    return JsonResponse({"signed_in": True, "remaining_seconds": idle_timeout_seconds(request.user)})


@require_GET
def password_reset_unavailable(request: HttpRequest) -> HttpResponse:
    """Explain why Confide cannot reset a forgotten password by e-mail, and what to do instead."""
    return render(request, "web/password_reset_unavailable.html")


@staff_required
@require_http_methods(["GET", "POST"])
def vault_unlock(request: HttpRequest) -> HttpResponse:
    """Ask for the password to unlock the person's key (after a passkey-only sign-in, for example)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    error, status = "", 200
    if request.method == "POST" and not request.POST.get("password", ""):
        error, status = "Enter your password.", 400
    elif request.method == "POST":
        membership: Membership = request.membership  # type: ignore[attr-defined]
        try:
            vault = guessing.checked_unlock(request, membership.user_id, membership.practice_id,
                                            request.POST.get("password", ""), where="vault-unlock")
        except guessing.TooManyAttemptsError:
            error, status = "Too many wrong passwords. Wait a while before you try again.", 429
        except crypto.WrongPasswordError:
            error, status = "That is not your password.", 400
        else:
            start_vault(request, vault)
            return redirect(target)
    return render(request, "web/vault_unlock.html", {"error": error, "next": target}, status=status)
