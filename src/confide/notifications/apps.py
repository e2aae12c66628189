from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "confide.notifications"
    label = "notifications"
