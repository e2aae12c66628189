"""Routes of messaging. Only UUIDs go into paths."""

from django.urls import path

from confide.messaging import views

urlpatterns = [
    path("portal/messages/", views.portal_thread, name="portal-messages"),
    path("portal/messages/attachments/<uuid:attachment_id>", views.portal_attachment, name="portal-message-attachment"),
    path("portal/reminders/", views.portal_reminders, name="portal-reminders"),
    path("practice/messaging/", views.messaging_settings, name="messaging-settings"),
    path("account/notifications/", views.notification_preferences, name="notification-preferences"),
    path("clients/<uuid:client_id>/messages/", views.staff_thread, name="client-messages"),
    path("clients/<uuid:client_id>/messages/<uuid:message_id>/file", views.file_message, name="client-message-file"),
    path("clients/<uuid:client_id>/messages/attachments/<uuid:attachment_id>", views.staff_attachment,
         name="client-message-attachment"),
]
