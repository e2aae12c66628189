from django.apps import AppConfig


class AccessRightsConfig(AppConfig):
    name = "confide.access_rights"
    label = "access_rights"
    default_auto_field = "django.db.models.BigAutoField"
