"""Guards for views. Someone without access gets a 404, which reveals nothing about what exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from confide.accounts.policy import is_portal_client, request_membership
from confide.keys.vault import VaultLockedError
from confide.keys.web import get_vault
from confide.practice.models import Membership, Role

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Require a signed-in member of a practice; the membership is passed as `request.membership`."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = request_membership(request)
        if membership is None:
            if is_portal_client(request.user):
                # A client is signed in: staff pages are forbidden to them (ADR 0008).
                if request.path == "/":
                    from django.shortcuts import redirect

                    return redirect("portal-home")
                raise PermissionDenied
            raise Http404
        request.membership = membership  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view: View) -> View:
    """Require the practice owner; everyone else gets a 404."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership: Membership = request.membership  # type: ignore[attr-defined]
        if membership.role != Role.OWNER:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def vault_required(view: View) -> View:
    """Require a signed-in staff member whose key is unlocked; passes `request.vault`.

    A person who signed in with a passkey alone (no password) is asked for the password once.
    """

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from django.shortcuts import redirect
        from django.utils.http import urlencode

        try:
            request.vault = get_vault(request)  # type: ignore[attr-defined]
        except VaultLockedError:
            return redirect(f"/vault/unlock?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper
