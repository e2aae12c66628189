"""allauth forms adapted to the key model: a password change re-wraps the private key."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from django.db import transaction

from confide.keys import services as keys
from confide.keys.models import UserKeyPair


class ChangePasswordForm(AllauthChangePasswordForm):  # type: ignore[misc]
    """Changes the password and re-wraps the private key in one transaction.

    Nothing sealed with the key is re-encrypted; only the wrap around the private key changes.
    """

    def save(self) -> Any:
        with transaction.atomic():
            if UserKeyPair.objects.filter(user_id=self.user.pk).exists():
                keys.rewrap_private_key(self.user.pk, self.cleaned_data["oldpassword"], self.cleaned_data["password1"])
            return super().save()
