"""Routes of consultations. Only opaque UUIDs and the random link token go into paths."""

from django.urls import path

from confide.consultation import views

urlpatterns = [
    path("clients/<uuid:client_id>/consultations/", views.client_consultations, name="consultations"),
    path("clients/<uuid:client_id>/consultations/new", views.new, name="consultation-new"),
    path("clients/<uuid:client_id>/consultations/<uuid:consultation_id>/", views.detail, name="consultation"),
    path("consultations/", views.shared_list, name="consultations-shared"),
    path("consultations/<uuid:consultation_id>/", views.shared, name="consultation-shared"),
    path("consult/<str:token>/", views.link, name="consultation-link"),
]
