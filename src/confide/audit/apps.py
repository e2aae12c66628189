from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "confide.audit"
    label = "audit"

    def ready(self) -> None:
        from confide.audit import checks, signals  # noqa: F401  (checks register themselves)

        signals.connect()
