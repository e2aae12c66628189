from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "confide.practice"
    label = "practice"

    def ready(self) -> None:
        # Imported here: the services use models, which load only once the app registry is ready.
        from confide.audit.services import register_owner_addresses
        from confide.practice.services import owner_addresses

        register_owner_addresses(owner_addresses)  # e-mailed audit tree heads go to the owners
