from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "confide.consent"
    label = "consent"
    verbose_name = "Consent"
