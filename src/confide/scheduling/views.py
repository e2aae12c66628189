"""The calendar pages: day and week views, a clinician's weekly availability, the client's upcoming sessions.

The date and the clinician shown travel in the query string (`?view=week&date=2026-12-07`): they
are not client data. Every page is no-store, since it shows client names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from confide.portal.views import client_required, request_account, request_vault
from confide.records.errors import NotFoundError, RecordError
from confide.scheduling import services
from confide.web.record_pages import record_page, request_membership
from confide.web.record_pages import request_vault as staff_vault

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


class CalendarQuery(forms.Form):
    view = forms.ChoiceField(choices=[("day", "Day"), ("week", "Week")], required=False)
    date = forms.DateField(required=False)
    clinician = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, clinicians: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].choices = [("", "Everyone")] + [  # type: ignore[attr-defined]
            (m.user_id, str(m.user)) for m in clinicians]


@record_page
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """A day or a week of sessions, for clinicians (their clients) and the front desk (everyone's)."""
    membership = request_membership(request)
    clinicians = services.clinicians_of(membership.practice_id)
    query = CalendarQuery(request.GET, clinicians=clinicians)
    if not query.is_valid():
        return _no_store(render(request, "scheduling/calendar.html", {"query": query, "days": [], "error": True},
                                status=400))
    view = query.cleaned_data["view"] or "week"
    day = query.cleaned_data["date"] or timezone.localdate()
    first = day - dt.timedelta(days=day.weekday()) if view == "week" else day
    clinician = query.cleaned_data["clinician"]
    if clinician is None and membership.treats_clients and "clinician" not in request.GET:
        clinician = membership.user_id  # a clinician's own calendar first
    days = services.calendar(staff_vault(request), first, 7 if view == "week" else 1, clinician_id=clinician)
    step = dt.timedelta(days=7 if view == "week" else 1)
    return _no_store(render(request, "scheduling/calendar.html", {
        "query": query, "days": days, "view": view, "first": first, "clinician": clinician,
        "previous": first - step, "next": first + step, "today": timezone.localdate(), "clinicians": clinicians}))


class AvailabilityForm(forms.Form):
    pass


def _availability_form(data: Any, current: list[Any]) -> forms.Form:
    form = AvailabilityForm(data)
    by_day = {a.weekday: a for a in current}
    for number, name in enumerate(WEEKDAYS):
        block = by_day.get(number)
        form.fields[f"starts_{number}"] = forms.TimeField(
            label=f"{name}: from", required=False, initial=block.starts if block else None,
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
        form.fields[f"ends_{number}"] = forms.TimeField(
            label=f"{name}: until", required=False, initial=block.ends if block else None,
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    return form


@record_page
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    """The signed-in clinician's weekly hours (one block a day); bookings outside them are warned."""
    membership = request_membership(request)
    if not membership.treats_clients:
        raise NotFoundError
    form = _availability_form(request.POST or None, services.availability(membership.user_id))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            blocks = []
            for number, name in enumerate(WEEKDAYS):
                starts, ends = form.cleaned_data[f"starts_{number}"], form.cleaned_data[f"ends_{number}"]
                if (starts is None) != (ends is None):
                    form.add_error(f"ends_{number}", f"Give both times for {name}, or neither.")
                elif starts is not None:
                    blocks.append((number, starts, ends))
            if form.is_valid():
                try:
                    services.set_availability(staff_vault(request), blocks)
                except RecordError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, "Availability saved.")
                    return redirect("availability")
    return render(request, "scheduling/availability.html", {"form": form}, status=status)


@client_required
@require_GET
def portal_appointments(request: HttpRequest) -> HttpResponse:
    """The client's upcoming sessions: the time and the format, nothing else."""
    upcoming = services.upcoming_for_client(request_vault(request), request_account(request))
    return _no_store(render(request, "scheduling/portal_appointments.html", {"upcoming": upcoming}))
