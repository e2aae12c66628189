from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    name = "confide.disclosures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: these modules use models, which load only once the app registry is ready.
        from confide.disclosures import client_side, hooks
        from confide.portal.copies import register_portal_copies

        if client_side.after_disclosure not in hooks.AFTER_DISCLOSURE:
            hooks.AFTER_DISCLOSURE.append(client_side.after_disclosure)
        if client_side.seal_portal_copies not in hooks.SEAL_PORTAL_COPIES:
            hooks.SEAL_PORTAL_COPIES.append(client_side.seal_portal_copies)
        # The chart asks whether the client's portal lacks a copy, and seals the missing ones (ADR 0009).
        register_portal_copies(client_side.PORTAL_COPIES)
