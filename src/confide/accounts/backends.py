"""The sign-in backend: allauth's, with the signed-in person's practice loaded in the same query."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from confide.accounts.models import User

# The dotted path sessions record at sign-in (views that call `login()` themselves name it).
BACKEND = "confide.accounts.backends.AuthenticationBackend"


class AuthenticationBackend(AllauthBackend):  # type: ignore[misc]
    """Every request loads the user; staff pages then need their membership, practice (with its
    consent policy, which the chart's consent status reads) and whether they hold emergency
    access. One query with the joins replaces three (`policy.request_membership`,
    `consent.document.policy_choices` read what this one brought)."""

    def get_user(self, user_id: Any) -> User | None:
        user = (User.objects.select_related("membership__practice__consent_policy", "emergency_holder")
                .filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None
