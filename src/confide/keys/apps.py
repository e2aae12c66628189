from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "confide.keys"
    label = "keys"
