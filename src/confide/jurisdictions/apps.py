from django.apps import AppConfig


class JurisdictionsConfig(AppConfig):
    name = "confide.jurisdictions"
    label = "jurisdictions"
    verbose_name = "Jurisdiction packs"
