"""The control's one view: a client chart read from plain text, with no sign-in and no audit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from benchmarks.control.models import (
    Appointment,
    CareTeamMember,
    CheckIn,
    Client,
    ConsentSignature,
    ConsentVersion,
    Document,
    Episode,
    Note,
    PortalAccount,
    TreatmentPlan,
)
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

# As on Confide's chart: the latest past sessions shown, and the check-ins of the trend.
CHART_PAST_SESSIONS = 10
CHECKIN_TREND = 12
CONSENT_LABELS = {"none": "No consent signed", "current": "Current consent signed",
                  "outdated": "Outdated: needs re-consent"}


class UploadForm(forms.Form):
    """The same upload field as Confide's chart (the control never receives the upload)."""

    file = forms.FileField(label="Add a document", help_text="PDF, PNG, JPEG or plain text, at most 25 MB. "
                           "It is encrypted before it is stored.",
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.txt"}))


def _age(date_of_birth: str, today: dt.date) -> int | None:
    try:
        born = dt.date.fromisoformat(date_of_birth)
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _consent(client: Client) -> dict[str, Any]:
    """The consent status: the latest signature against the practice's current version (two queries)."""
    latest = ConsentSignature.objects.filter(client=client).select_related("version").order_by("-signed_at").first()
    current = ConsentVersion.objects.order_by("-number").first()
    if latest is None:
        state = "none"
    elif current is not None and latest.version_id == current.pk:
        state = "current"
    else:
        state = "outdated"
    return {"state": state, "label": CONSENT_LABELS[state],
            "signed_version": latest.version.number if latest else None,
            "signed_at": latest.signed_at if latest else None}


def chart(request: HttpRequest, client_id: str) -> HttpResponse:
    """The same shape as Confide's chart, read as a plain Django view would: one query per part."""
    client = get_object_or_404(Client, public_id=client_id)
    team = list(CareTeamMember.objects.filter(client=client).select_related("user"))
    notes = list(Note.objects.filter(client=client).select_related("author").defer("body")
                 .order_by("-session_date", "-id"))
    progress = [n for n in notes if n.kind == "progress"]
    last = next((n for n in progress if n.status == "signed"), None)
    last_body = Note.objects.values_list("body", flat=True).get(pk=last.pk) if last else ""
    plan = TreatmentPlan.objects.filter(client=client).first()
    now = timezone.now()
    appointments = list(Appointment.objects.filter(client=client).select_related("clinician").order_by("-starts_at"))
    upcoming = sorted((a for a in appointments if a.ends_at > now), key=lambda a: a.starts_at)
    past = [a for a in appointments if a.ends_at <= now]
    episodes = list(Episode.objects.filter(client=client).order_by("-opened_on", "-id"))
    documents = list(Document.objects.filter(client=client).order_by("-created_at"))
    checkins = list(CheckIn.objects.filter(client=client).order_by("-submitted_at")[:CHECKIN_TREND])
    portal = {"status": _consent(client), "trend": checkins,
              "has_account": PortalAccount.objects.filter(client=client).exists()}
    return render(request, "control/chart.html", {
        "client": client, "age": _age(client.date_of_birth, timezone.localdate()),
        "team": team, "notes": progress, "psychotherapy_count": len(notes) - len(progress),
        "last": last, "last_body": last_body,
        "plan": plan, "diagnoses": json.loads(plan.diagnoses) if plan else [],
        "upcoming": upcoming, "past": past[:CHART_PAST_SESSIONS], "past_total": len(past),
        "episodes": episodes, "open_episode": next((e for e in episodes if e.is_open), None),
        "documents": documents, "portal": portal, "upload_form": UploadForm(),
    })


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("clients/<str:client_id>/", chart),
    path("healthz", healthz),
]
