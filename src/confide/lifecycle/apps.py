from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "confide.lifecycle"
    label = "lifecycle"
