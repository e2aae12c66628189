"""Routes of the lifecycle context's own pages (the staff pages are in confide.web)."""

from django.urls import path

from confide.lifecycle import views

urlpatterns = [
    path("portal/retention/", views.portal_retention, name="portal-retention"),
]
