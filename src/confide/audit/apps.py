from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "confide.audit"
    label = "audit"

    def ready(self) -> None:
        # Imported here: models and the modules that use them load only once the app registry is ready.
        from confide.audit import checks, signals  # noqa: F401  (checks register themselves)

        signals.connect()
