"""Portal pages for clients, and the few staff actions of the portal (invite, notices, settings).

Client pages are for a signed-in client only: staff get 403, and a client gets 403 on staff
pages (web/decorators.py). Nothing about the client goes into a URL, a title or a flash message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide import crypto
from confide.accounts import guessing
from confide.accounts.backends import BACKEND
from confide.accounts.policy import has_mfa
from confide.disclosures.models import AuthorizationRequest
from confide.keys import web as vault_web
from confide.keys.vault import Vault, VaultLockedError
from confide.portal import recovery, services
from confide.portal.forms import (
    CheckInForm,
    ConsentSettingsForm,
    InviteClientForm,
    JoinForm,
    NewPasswordForm,
    RestoreAccessForm,
    SignConsentForm,
    StartRecoveryForm,
    UnlockForm,
    UploadForm,
)
from confide.portal.models import ClientAccount
from confide.portal.web import get_client_vault
from confide.practice.models import Membership, Role
from confide.records.documents import MAX_DOCUMENT_BYTES
from confide.records.errors import NotFoundError, RecordError
from confide.web.decorators import staff_required, vault_required

View = Callable[..., HttpResponse]


def client_required(view: View) -> View:
    """A signed-in portal client with an unlocked key: passes `request.account` and `request.vault`."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = services.account_of(request.user)
        if account is None:
            raise PermissionDenied  # staff (and anyone else) do not use the client's pages
        request.account = account  # type: ignore[attr-defined]
        try:
            request.vault = get_client_vault(request, account)  # type: ignore[attr-defined]
        except VaultLockedError:
            return redirect(f"/portal/unlock?{urlencode({'next': request.get_full_path()})}")
        waiting = recovery.awaiting_restore(account)
        if waiting is not None:
            # A new password opens nothing until the care team restores access (ADR 0023).
            return no_store(render(request, "portal/recovery_waiting.html",
                                   {"fingerprint": waiting.new_fingerprint}, status=403))
        return view(request, *args, **kwargs)

    return wrapper


def request_account(request: HttpRequest) -> ClientAccount:
    """The signed-in client's account (set by `client_required`)."""
    return request.account  # type: ignore[attr-defined, no-any-return]


def request_vault(request: HttpRequest) -> Vault:
    """The signed-in client's vault (set by `client_required`)."""
    return request.vault  # type: ignore[attr-defined, no-any-return]


def no_store(response: HttpResponse) -> HttpResponse:
    """Mark a portal response as never to be cached."""
    response["Cache-Control"] = "no-store"
    return response


# The short spellings this module's views use.
_account, _vault, _no_store = request_account, request_vault, no_store


# ----------------------------------------------------------------------------- joining


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The page the e-mailed link opens: the client chooses their sign-in address and password."""
    try:
        invitation = services.find_client_invitation(token)
    except services.InvalidClientInvitationError as exc:
        return render(request, "web/invitation_invalid.html", {"message": str(exc)}, status=404)
    if request.user.is_authenticated:
        logout(request)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password1"]
        try:
            account = services.accept_client_invitation(token=token, email=form.cleaned_data["email"],
                                                        password=password)
        except services.InvalidClientInvitationError as exc:
            return render(request, "web/invitation_invalid.html", {"message": str(exc)}, status=404)
        except services.PortalError as exc:
            form.add_error("email", str(exc))
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            login(request, account.user, backend=BACKEND)
            vault_web.start(request, services.client_vault(account, password))
            messages.success(request, "Welcome. Your account is ready.")
            return redirect("portal-home")
    return _no_store(render(request, "portal/join.html", {"practice": invitation.client.practice, "form": form},
                            status=400 if request.method == "POST" else 200))


@login_required
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest) -> HttpResponse:
    """Ask a client for their password to unlock their key (after a passkey-only sign-in, say)."""
    account = services.account_of(request.user)
    if account is None:
        raise PermissionDenied
    target = request.GET.get("next") or "/portal/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/portal/"
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vault_web.start(request, guessing.checked_unlock(request, account.user_id, account.practice_id,
                                                             form.cleaned_data["password"], where="portal-unlock"))
        except guessing.TooManyAttemptsError:
            form.add_error("password", "Too many wrong passwords. Wait a while before you try again.")
            return render(request, "portal/unlock.html", {"form": form}, status=429)
        except crypto.WrongPasswordError:
            form.add_error("password", "That is not your password.")
        else:
            return redirect(target)
    return render(request, "portal/unlock.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


# ----------------------------------------------------------------------------- client pages


@client_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The portal's home. A client whose consent is missing or outdated is asked to sign first."""
    account = _account(request)
    status = services.consent_status(account.client)
    if status.state in ("none", "outdated"):
        if status.state == "outdated":
            messages.info(request, "Your practice updated its consent document. Please read it and sign again.")
        return redirect("portal-consent")

    waiting = AuthorizationRequest.objects.filter(client=account.client, signed_at=None, withdrawn_at=None).count()
    return _no_store(render(request, "portal/home.html", {
        "practice": account.practice, "status": status, "checkin_due": services.checkin_due(account),
        "has_mfa": has_mfa(request.user), "authorizations_waiting": waiting}))


@client_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """Read the current consent document, tick "I understand", type your name, sign."""
    account = _account(request)
    try:
        version, text = services.read_consent(account)
    except services.ConsentUnavailableError as exc:
        return render(request, "portal/problem.html", {"message": str(exc)}, status=503)
    form = SignConsentForm(request.POST or None, initial={"version": version.number})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.sign_consent(_vault(request), account, version_number=form.cleaned_data["version"],
                                      understood=form.cleaned_data["understood"],
                                      typed_name=form.cleaned_data["typed_name"])
            except services.PortalError as exc:
                message = str(exc)
                field = "understood" if "Tick" in message else "typed_name" if "name" in message else None
                form.add_error(field, message)
                if field is None:
                    form = SignConsentForm(initial={"version": version.number})
                    form.is_valid()
                    messages.error(request, message)
            else:
                messages.success(request, "Thank you. Your signed copy is under Your documents.")
                return redirect("portal-documents")
    current = services.consent_status(account.client)
    changes = services.consent_changes(account, version) if current.state == "outdated" else []
    return _no_store(render(request, "portal/consent.html", {
        "version": version, "text": text, "form": form, "status": current, "changes": changes}, status=status))


@client_required
@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    """The client's signed consents, each downloadable as a PDF."""
    account = _account(request)
    signatures = services.list_signatures(_vault(request), account)
    return _no_store(render(request, "portal/documents.html", {
        "signatures": signatures, "status": services.consent_status(account.client)}))


@client_required
@require_GET
def download(request: HttpRequest, signature_id: str) -> HttpResponse:
    """A signed copy as a PDF. The file name holds the version number only."""
    try:
        signature, pdf = services.signed_copy(_vault(request), _account(request), str(signature_id))
    except NotFoundError:
        raise Http404 from None
    except services.ConsentUnavailableError as exc:
        return render(request, "portal/problem.html", {"message": str(exc)}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consent-version-{signature.version.number}.pdf"'
    return _no_store(response)


@client_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """"Your privacy, explained": the rules where the practice is, in plain words, with sources."""
    account = _account(request)
    place, rules = services.privacy_explained(account.practice)
    return _no_store(render(request, "portal/privacy.html", {"practice": account.practice, "place": place,
                                                             "rules": rules}))


@client_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    """The privacy check-in: three 1-5 questions and a comment, sealed for the client and their care team."""
    account = _account(request)
    form = CheckInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.submit_checkin(_vault(request), account, form.cleaned_data)
            except services.PortalError as exc:
                message = str(exc)
                form.add_error(_checkin_field(message), message)
            else:
                messages.success(request, "Thank you. Your answers are shared with your care team only.")
                return redirect("portal-checkin")
    past = services.own_checkins(_vault(request), account)
    return _no_store(render(request, "portal/checkin.html", {"form": form, "past": past,
                                                             "due": services.checkin_due(account)}, status=status))


def _checkin_field(message: str) -> str | None:
    lowered = message.lower()
    for name, start in (("comfort", "how comfortable"), ("informed", "how informed"), ("trust", "how much you trust"),
                        ("comment", "the comment")):
        if lowered.startswith(start):
            return name
    return None


@client_required
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    """Second factors for the client: offered and encouraged, never forced."""
    return render(request, "portal/security.html", {"has_mfa": has_mfa(request.user)})


# ----------------------------------------------------------------------------- staff actions


@vault_required
@require_POST
def invite_client(request: HttpRequest, client_id: str) -> HttpResponse:
    """A care-team clinician invites the client to the portal (from the chart)."""
    form = InviteClientForm(request.POST)
    if form.is_valid():
        try:
            services.invite_client(request.vault, str(client_id), email=form.cleaned_data["email"])  # type: ignore[attr-defined]
        except NotFoundError:
            raise Http404 from None
        except (services.PortalError, RecordError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Portal invitation sent.")
    else:
        messages.error(request, "Enter a valid e-mail address to invite the client.")
    return redirect("client-chart", client_id=client_id)


@staff_required
@require_POST
def dismiss_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Mark a portal notice read."""
    try:
        services.dismiss_notice(request.user, notice_id)
    except services.PortalError as exc:
        messages.error(request, str(exc))
    return redirect("home")


@staff_required
@require_http_methods(["GET", "POST"])
def consent_settings(request: HttpRequest) -> HttpResponse:
    """When clients revisit confidentiality, and how often they are offered a check-in (owner edits)."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    current = services.settings_for(membership.practice)
    is_owner = membership.role == Role.OWNER
    form = ConsentSettingsForm(request.POST or None, initial={
        "revisit_after_intake": current.revisit_after_intake,
        "revisit_after_disclosure": current.revisit_after_disclosure,
        "revisit_every_months": current.revisit_every_months, "checkin_every_days": current.checkin_every_days})
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.update_settings(practice=membership.practice, **form.cleaned_data)
            except services.PortalError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Consent settings saved.")
                return redirect("consent-settings")
    try:
        version = services.current_version(membership.practice, create=False)
        unavailable = ""
    except services.ConsentUnavailableError as exc:
        version, unavailable = None, str(exc)
    return render(request, "portal/consent_settings.html", {
        "form": form, "is_owner": is_owner, "version": version, "unavailable": unavailable},
        status=400 if request.method == "POST" else 200)



# ----------------------------------------------------------------------------- the client's uploads


@client_required
@require_http_methods(["GET", "POST"])
def uploads(request: HttpRequest) -> HttpResponse:
    """The client uploads a document for their care team: the staff's size and type checks, sealed (portal scope)."""
    account, vault = _account(request), _vault(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_DOCUMENT_BYTES + 64 * 1024:
            form.add_error(None, f"Files may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.")
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.upload_document(vault, account, filename=upload.name or "", stream=upload,
                                         size=upload.size or 0)
            except RecordError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, "Uploaded. Your care team can now read it.")
                return redirect("portal-uploads")
    return _no_store(render(request, "portal/uploads.html", {
        "form": form, "uploaded": services.own_uploads(account)}, status=status))


# ----------------------------------------------------------------------------- password recovery (ADR 0023)


@vault_required
@require_GET
def recovery_page(request: HttpRequest, client_id: str) -> HttpResponse:
    """A clinician on the care team helps a client who forgot their portal password."""
    return _recovery_page(request, str(client_id))


def _recovery_page(request: HttpRequest, client_id: str, *, start_form: StartRecoveryForm | None = None,
                   restore_form: RestoreAccessForm | None = None, status: int = 200, error: str = "") -> HttpResponse:
    try:
        state = recovery.recovery_state(request.vault, client_id)  # type: ignore[attr-defined]
    except NotFoundError:
        raise Http404 from None
    except recovery.RecoveryError as exc:
        return render(request, "web/records/problem.html", {"message": str(exc)}, status=400)
    return render(request, "portal/recovery_staff.html", {
        "client_id": client_id, "state": state, "start_form": start_form or StartRecoveryForm(),
        "restore_form": restore_form or RestoreAccessForm(), "error": error,
        "ttl_hours": recovery.RECOVERY_TTL_HOURS}, status=status)


@vault_required
@require_POST
def recovery_start(request: HttpRequest, client_id: str) -> HttpResponse:
    """Record how the client's identity was confirmed and e-mail them a single-use link."""
    form = StartRecoveryForm(request.POST)
    if not form.is_valid():
        return _recovery_page(request, str(client_id), start_form=form, status=400)
    try:
        recovery.start_recovery(request.vault, str(client_id),  # type: ignore[attr-defined]
                                identity_check=form.cleaned_data["identity_check"],
                                identity_confirmed=form.cleaned_data["confirmed"])
    except NotFoundError:
        raise Http404 from None
    except recovery.RecoveryError as exc:
        return _recovery_page(request, str(client_id), start_form=form, status=400, error=str(exc))
    messages.success(request, "The client has been e-mailed a link to choose a new password.")
    return redirect("portal-recovery", client_id=client_id)


@vault_required
@require_POST
def recovery_restore(request: HttpRequest, client_id: str) -> HttpResponse:
    """Compare the new key's fingerprint with the client, then wrap their portal key to it."""
    form = RestoreAccessForm(request.POST)
    if not form.is_valid():
        return _recovery_page(request, str(client_id), restore_form=form, status=400)
    try:
        recovery.restore_access(request.vault, str(client_id),  # type: ignore[attr-defined]
                                fingerprint=form.cleaned_data["fingerprint"])
    except NotFoundError:
        raise Http404 from None
    except recovery.RecoveryError as exc:
        form.add_error("fingerprint", str(exc))
        return _recovery_page(request, str(client_id), restore_form=form, status=400)
    messages.success(request, "The client's portal access is restored under their new password.")
    return redirect("portal-recovery", client_id=client_id)


@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest, token: str) -> HttpResponse:
    """The page the e-mailed recovery link opens: the client chooses a new password."""
    try:
        found = recovery.find_recovery(token)
    except recovery.RecoveryError as exc:
        return render(request, "web/invitation_invalid.html", {"message": str(exc)}, status=404)
    if request.user.is_authenticated:
        logout(request)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = recovery.complete_recovery(token=token, password=form.cleaned_data["password1"])
        except recovery.RecoveryError as exc:
            return render(request, "web/invitation_invalid.html", {"message": str(exc)}, status=404)
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            login(request, account.user, backend=BACKEND)
            vault_web.start(request, services.client_vault(account, form.cleaned_data["password1"]))
            return redirect("portal-home")
    return _no_store(render(request, "portal/recover.html", {"practice": found.account.practice, "form": form},
                            status=400 if request.method == "POST" else 200))
