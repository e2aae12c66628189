"""Routes of the calendar. No client data in paths or query strings (dates and staff ids only)."""

from django.urls import path

from confide.scheduling import views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/availability/", views.availability, name="availability"),
    path("portal/appointments/", views.portal_appointments, name="portal-appointments"),
]
