from django.apps import AppConfig


class TelehealthConfig(AppConfig):
    name = "confide.telehealth"
    label = "telehealth"

    def ready(self) -> None:
        # Registered at start-up so that records imports nothing of this context.
        from django.core import checks

        from confide.notifications.worker import PERIODIC_JOBS
        from confide.records.care import APPOINTMENT_OBSERVERS
        from confide.telehealth.checks import check_turn_settings
        from confide.telehealth.services import delete_stale_signals, note_modality

        checks.register(check_turn_settings)
        if delete_stale_signals not in PERIODIC_JOBS:
            PERIODIC_JOBS.append(delete_stale_signals)

        if note_modality not in APPOINTMENT_OBSERVERS:
            APPOINTMENT_OBSERVERS.append(note_modality)
