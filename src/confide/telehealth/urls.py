"""Routes of video sessions. Only UUIDs go into paths; tokens travel in the JSON body, never in a URL."""

from django.urls import path

from confide.telehealth import views

urlpatterns = [
    path("portal/sessions/", views.portal_sessions, name="portal-video-sessions"),
    path("portal/sessions/<uuid:appointment_id>/", views.portal_room, name="portal-video-room"),
    path("portal/sessions/<uuid:appointment_id>/signal", views.portal_signal, name="portal-video-signal"),
    path("clients/<uuid:client_id>/sessions/<uuid:appointment_id>/video/", views.staff_room, name="video-room"),
    path("clients/<uuid:client_id>/sessions/<uuid:appointment_id>/video/signal", views.staff_signal,
         name="video-signal"),
]
