from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "confide.backup"
    label = "backup"

    def ready(self) -> None:
        # (imported here: checks register themselves once the app registry is ready)
        from confide.backup import checks  # noqa: F401  (checks register themselves)
