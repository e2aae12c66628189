from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "confide.portal"
    label = "portal"
    verbose_name = "Client portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: models and the services that use them load only once the app registry is ready.
        from django.apps import apps
        from django.db.models.signals import post_save

        from confide.portal.consent_gate import consent_gate
        from confide.portal.signals import practice_text_changed
        from confide.records.signing_checks import NOTE_SIGNING_CHECKS

        post_save.connect(practice_text_changed, sender="practice.Practice", dispatch_uid="portal-practice-text")
        if apps.is_installed("confide.consent"):
            post_save.connect(practice_text_changed, sender="consent.ConsentPolicy",
                              dispatch_uid="portal-consent-policy-text")
        if consent_gate not in NOTE_SIGNING_CHECKS:
            NOTE_SIGNING_CHECKS.append(consent_gate)  # signing a progress note checks the client's consent
