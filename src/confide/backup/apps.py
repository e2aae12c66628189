from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "confide.backup"
    label = "backup"

    def ready(self) -> None:
        from confide.backup import checks  # noqa: F401  (checks register themselves)
