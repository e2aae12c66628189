from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "confide.oversight"
    label = "oversight"

    def ready(self) -> None:
        # Imported here: models and the modules that use them load only once the app registry is ready.
        from confide.accounts.guessing import BURST_OBSERVERS
        from confide.keys.vault import register_emergency_access
        from confide.oversight import alerts, devices, services
        from confide.records.auditing import ACCESS_OBSERVERS
        from confide.records.denials import DENIAL_OBSERVERS

        register_emergency_access(services.EmergencyWraps())
        if alerts.observe_access not in ACCESS_OBSERVERS:
            ACCESS_OBSERVERS.append(alerts.observe_access)
        if alerts.observe_denials not in DENIAL_OBSERVERS:
            DENIAL_OBSERVERS.append(alerts.observe_denials)
        if alerts.observe_guessing not in BURST_OBSERVERS:
            BURST_OBSERVERS.append(alerts.observe_guessing)
        devices.connect()
