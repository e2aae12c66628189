from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "confide.messaging"
    label = "messaging"

    def ready(self) -> None:
        # Registered at start-up so that the notifications context imports nothing of this one.
        from confide.messaging import digest, reminders, retention
        from confide.notifications.worker import PERIODIC_JOBS
        from confide.records.care import APPOINTMENT_OBSERVERS

        for job in (retention.destroy_expired_messages, digest.send_due_digests, reminders.send_due_reminders):
            if job not in PERIODIC_JOBS:
                PERIODIC_JOBS.append(job)
        if reminders.note_format not in APPOINTMENT_OBSERVERS:
            APPOINTMENT_OBSERVERS.append(reminders.note_format)
