"""Video session pages: the privacy check, the room (waiting room included) and its signalling endpoint.

The room page is the only page of Confide whose Permissions-Policy allows the camera and the
microphone (`allow_camera_and_microphone`). The signalling endpoint answers JSON of bounded size
to the session's two people only, with the signed-in session and a short-lived token together.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from confide.core.middleware import allow_camera_and_microphone
from confide.keys.vault import Vault
from confide.portal.models import ClientAccount
from confide.portal.views import client_required
from confide.records.errors import NotFoundError
from confide.telehealth import services, tokens
from confide.telehealth.forms import PrivacyCheckForm
from confide.telehealth.models import Side, VideoSession
from confide.web.decorators import vault_required

# The largest signalling request: an offer of MAX_DESCRIPTION_BYTES with its JSON around it.
MAX_SIGNAL_REQUEST_BYTES = services.MAX_DESCRIPTION_BYTES + 4096
ACTIONS = ("join", "poll", "send", "leave", "admit", "end", "check")
CLINICIAN_ONLY = ("admit", "end", "check")


def _user_id(request: HttpRequest) -> int:
    pk = request.user.pk
    if pk is None:
        raise PermissionDenied
    return int(pk)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _room(request: HttpRequest, session: VideoSession, side: str, vault: Vault, *, signal_url: str,
          account: ClientAccount | None) -> HttpResponse:
    """The privacy check (until answered, or when asked again), else the room itself."""
    relay = tokens.relay_available()
    redo = request.GET.get("check") == "again"
    form = PrivacyCheckForm(request.POST or None, side=side, relay=relay)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.record_privacy_check(vault, session, side, form.answers(), account=account)
            except services.TelehealthError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(request.path)
    if side == Side.CLINICIAN:
        services.room_opened(vault, session)
    mine = None if redo else services.open_privacy_check(vault, session, side)
    context: dict[str, Any] = {"session": session, "side": side, "form": form,
                               "problem": services.room_problem(session), "appointment": session.appointment,
                               "base": "web/base.html" if side == Side.CLINICIAN else "portal/base.html",
                               "clinician": session.appointment.clinician}
    if request.method == "POST" or mine is None:
        return _no_store(render(request, "telehealth/privacy_check.html", context, status=status))
    user_id = _user_id(request)
    context |= {
        "relay_only": relay and mine.relay_only,
        "room": {"side": side, "signalUrl": signal_url, "relayOnly": relay and mine.relay_only,
                 "token": tokens.issue_token(session, side, user_id, request.session.session_key),
                 "iceServers": tokens.ice_servers()},
        "again_url": f"{request.path}?check=again",
    }
    return allow_camera_and_microphone(_no_store(render(request, "telehealth/room.html", context)))


def _problem(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _signal(request: HttpRequest, session: VideoSession, side: str, vault: Vault,
            account: ClientAccount | None) -> HttpResponse:
    """One signalling request: `{"token", "action", ...}` in, the room's state (and signals) out."""
    if len(request.body) > MAX_SIGNAL_REQUEST_BYTES:
        return _problem("The request is too large.", 400)
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _problem("The request must be JSON.", 400)
    if not isinstance(body, dict):
        return _problem("The request must be a JSON object.", 400)
    action = body.get("action")
    if action not in ACTIONS or (action in CLINICIAN_ONLY and side != Side.CLINICIAN):
        return _problem("Unknown action.", 400)
    try:
        tokens.check_token(body.get("token"), session, side, _user_id(request), request.session.session_key)
    except tokens.TokenError as exc:
        return _problem(str(exc), 403)
    answer: dict[str, Any] = {}
    try:
        if action == "join":
            session = services.join(vault, session, side, account=account)
            answer["iceServers"] = tokens.ice_servers()
        elif action == "leave":
            session = services.leave(vault, session, side, account=account)
        elif action == "admit":
            session = services.admit(vault, session)
        elif action == "end":
            session = services.end(vault, session)
        elif action == "check":
            check = services.client_check_for_clinician(vault, session)
            answer["clientCheck"] = check.as_dict() if check else None
        elif action == "send":
            services.send_signal(vault, session, side, generation=body.get("generation"), kind=body.get("kind"),
                                 data=body.get("data"))
    except services.StaleRoundError as exc:
        return _problem(str(exc), 409, state=services.state(session, side))
    except services.TelehealthError as exc:
        return _problem(str(exc), 400)
    if action not in ("leave", "end"):
        session = services.touch(session, side)
    if action == "poll":
        after = body.get("after", 0)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            return _problem("`after` must be a signal number.", 400)
        answer["signals"] = services.signals_for(vault, session, side, after)
    answer["state"] = services.state(session, side)
    answer["token"] = tokens.issue_token(session, side, _user_id(request), request.session.session_key)
    response = JsonResponse(answer)
    return _no_store(response)


# ----------------------------------------------------------------------------- the client's side


@client_required
def portal_sessions(request: HttpRequest) -> HttpResponse:
    account: ClientAccount = request.account  # type: ignore[attr-defined]
    sessions = services.client_sessions(account)
    return _no_store(render(request, "telehealth/portal_sessions.html", {"sessions": sessions}))


@client_required
@require_http_methods(["GET", "POST"])
def portal_room(request: HttpRequest, appointment_id: str) -> HttpResponse:
    account: ClientAccount = request.account  # type: ignore[attr-defined]
    try:
        session = services.client_session(account, appointment_id)
    except NotFoundError:
        raise Http404 from None
    return _room(request, session, Side.CLIENT, request.vault,  # type: ignore[attr-defined]
                 signal_url=f"/portal/sessions/{session.appointment.public_id}/signal", account=account)


@client_required
@require_POST
def portal_signal(request: HttpRequest, appointment_id: str) -> HttpResponse:
    account: ClientAccount = request.account  # type: ignore[attr-defined]
    try:
        session = services.client_session(account, appointment_id)
    except NotFoundError:
        raise Http404 from None
    return _signal(request, session, Side.CLIENT, request.vault, account)  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- the clinician's side


@vault_required
@require_http_methods(["GET", "POST"])
def staff_room(request: HttpRequest, client_id: str, appointment_id: str) -> HttpResponse:
    vault: Vault = request.vault  # type: ignore[attr-defined]
    try:
        session = services.staff_session(vault, client_id, appointment_id)
    except NotFoundError:
        raise Http404 from None
    return _room(request, session, Side.CLINICIAN, vault,
                 signal_url=f"/clients/{session.client.public_id}/sessions/{session.appointment.public_id}/video/signal",
                 account=None)


@vault_required
@require_POST
def staff_signal(request: HttpRequest, client_id: str, appointment_id: str) -> HttpResponse:
    vault: Vault = request.vault  # type: ignore[attr-defined]
    try:
        session = services.staff_session(vault, client_id, appointment_id)
    except NotFoundError:
        raise Http404 from None
    return _signal(request, session, Side.CLINICIAN, vault, None)
