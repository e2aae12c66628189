from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "confide.portal"
    label = "portal"
    verbose_name = "Client portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_save

        from confide.portal.signals import practice_text_changed

        post_save.connect(practice_text_changed, sender="practice.Practice", dispatch_uid="portal-practice-text")
        if apps.is_installed("confide.consent"):
            post_save.connect(practice_text_changed, sender="consent.ConsentPolicy",
                              dispatch_uid="portal-consent-policy-text")
