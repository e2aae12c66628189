from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "confide.ops"
    label = "ops"
