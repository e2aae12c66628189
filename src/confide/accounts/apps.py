from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "confide.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Imported here because allauth's session models need the app registry to be ready.
        from allauth.mfa.models import Authenticator
        from django.db.models.signals import pre_save

        from confide.accounts.mfa_secrets import seal_before_save
        from confide.accounts.sessions import adapt_user_sessions

        adapt_user_sessions()
        pre_save.connect(seal_before_save, sender=Authenticator, dispatch_uid="confide-seal-mfa-secrets")
