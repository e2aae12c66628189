from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "confide.core"
    label = "core"

    def ready(self) -> None:
        from confide.core import checks  # noqa: F401  (registers the system checks)
