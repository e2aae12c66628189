from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "confide.messaging"
    label = "messaging"

    def ready(self) -> None:
        # Registered at start-up so that the notifications context imports nothing of this one.
        from confide.messaging import retention
        from confide.notifications import digest
        from confide.notifications.worker import PERIODIC_JOBS

        for job in (retention.destroy_expired_messages, digest.send_due_digests):
            if job not in PERIODIC_JOBS:
                PERIODIC_JOBS.append(job)
