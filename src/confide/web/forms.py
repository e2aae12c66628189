"""Forms for staff pages. Validation messages are written for the person reading them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password

from confide.accounts.models import User
from confide.practice.models import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, Membership, Role


class MemberChoiceForm(forms.Form):
    """Choose one practice member from `candidates` (a care-team grant, an emergency-access holder)."""

    user = forms.TypedChoiceField(label="Practice member", coerce=int, error_messages={
        "required": "Choose a person.", "invalid_choice": "Choose a person from the list."})

    def __init__(self, *args: Any, candidates: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {m.user_id: m for m in candidates}
        self.fields["user"].choices = [("", "Choose a person")] + [  # type: ignore[attr-defined]
            (m.user_id, f"{m.user} ({m.get_role_display()})") for m in candidates]


class FingerprintConfirmation(forms.Form):
    """The second step of handing keys to someone: compare their key fingerprint, then confirm."""

    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    fingerprint_confirmed = forms.BooleanField(
        label="The fingerprint matches the one on their Account security page",
        error_messages={"required": "Compare the fingerprints and tick the box to confirm."})


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.OWNER])


class PracticeSettingsForm(forms.Form):
    name = forms.CharField(label="Practice name", max_length=200)
    mfa_required = forms.BooleanField(
        label="Require two-factor authentication for all staff",
        required=False,
        help_text="Strongly recommended. Without it, a stolen password is enough to open client records.",
    )
    session_idle_minutes = forms.IntegerField(
        label="Sign out after inactivity (minutes)",
        min_value=MIN_IDLE_MINUTES,
        max_value=MAX_IDLE_MINUTES,
    )
    late_entry_hours = forms.IntegerField(
        label="Mark a note as a late entry when signed more than this many hours after its session",
        min_value=1, max_value=24 * 30, required=False,
        help_text="Record-keeping standards expect late entries to be identified as such. 72 hours is common; "
                  "left empty, the current setting stays.",
    )


class AcceptInvitationForm(forms.Form):
    display_name = forms.CharField(label="Your name as colleagues see it", max_length=120, required=False)
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=" ".join(password_validators_help_texts()),
        strip=False,
    )
    password2 = forms.CharField(
        label="Type it again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                validate_password(first, User(email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
