"""The control's one view: a client chart read from plain text, with no sign-in and no audit."""

from __future__ import annotations

from benchmarks.control.models import CareTeamMember, Client, Note
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path


def chart(request: HttpRequest, client_id: str) -> HttpResponse:
    """The same shape as Confide's chart: client, care team, progress-note timeline, last signed note."""
    client = get_object_or_404(Client, public_id=client_id)
    team = list(CareTeamMember.objects.filter(client=client).select_related("user"))
    notes = list(Note.objects.filter(client=client, kind="progress").select_related("author")
                 .defer("body").order_by("-session_date", "-id"))
    last = next((n for n in notes if n.status == "signed"), None)
    last_body = Note.objects.values_list("body", flat=True).get(pk=last.pk) if last else ""
    return render(request, "control/chart.html", {"client": client, "team": team, "notes": notes,
                                                  "last": last, "last_body": last_body})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("clients/<str:client_id>/", chart),
    path("healthz", healthz),
]
