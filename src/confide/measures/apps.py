from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "confide.measures"
    label = "measures"
    default_auto_field = "django.db.models.BigAutoField"
