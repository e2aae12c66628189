"""The client's side of retention: how long their record is kept, read in the portal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from confide.lifecycle import services
from confide.portal.models import ClientAccount
from confide.portal.views import client_required


@client_required
@require_GET
def portal_retention(request: HttpRequest) -> HttpResponse:
    """"How long your record is kept": the rule, its source and status, and the date once discharged."""
    account: ClientAccount = request.account  # type: ignore[attr-defined]
    view = services.client_retention(account)
    response = render(request, "lifecycle/portal_retention.html", {"practice": account.practice, "view": view})
    response["Cache-Control"] = "no-store"
    return response
