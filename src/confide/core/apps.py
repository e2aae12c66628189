from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "confide.core"
    label = "core"

    def ready(self) -> None:
        # Imported here: models and the modules that use them load only once the app registry is ready.
        from confide.core import checks  # noqa: F401  (registers the system checks)
