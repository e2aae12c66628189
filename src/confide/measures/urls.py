"""Routes of intake and measures. Only UUIDs go into paths."""

from django.urls import path

from confide.measures import views

urlpatterns = [
    path("clients/<uuid:client_id>/measures/", views.client_measures, name="client-measures"),
    path("clients/<uuid:client_id>/measures/send", views.send, name="measure-send"),
    path("clients/<uuid:client_id>/measures/<uuid:assignment_id>/stop", views.stop, name="measure-stop"),
    path("clients/<uuid:client_id>/measures/submissions/<uuid:submission_id>/review", views.review,
         name="measure-review"),
    path("clients/<uuid:client_id>/measures/share", views.share, name="measure-share"),
    path("practice/packets/", views.packets, name="intake-packets"),
    path("portal/forms/", views.portal_forms, name="portal-forms"),
    path("portal/forms/<uuid:assignment_id>/", views.portal_form, name="portal-form"),
    path("portal/results/", views.portal_trend, name="portal-measures"),
]
