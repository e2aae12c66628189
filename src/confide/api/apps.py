from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "confide.api"
    label = "api"
