"""Forms of the portal. Labels are what a client reads: plain words, each tied to its input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from confide.accounts.models import User
from confide.accounts.passwords import MIN_PASSWORD_LENGTH

SCALE = [(str(n), str(n)) for n in range(1, 6)]


class JoinForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254,
                             help_text="You sign in with it. We only use it to tell you that something is waiting "
                                       "in the portal, never with details.")
    password1 = forms.CharField(label="Choose a password", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=f"At least {MIN_PASSWORD_LENGTH} characters; "
                                          "a few unrelated words work well.")
    password2 = forms.CharField(label="Type the password again", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        elif first and data.get("email"):
            try:
                validate_password(first, User(email=data["email"]))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class SignConsentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    understood = forms.BooleanField(label="I have read this document and I understand it.", required=False)
    typed_name = forms.CharField(label="Type your full name to sign", max_length=200, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "name"}))


class CheckInForm(forms.Form):
    comfort = forms.ChoiceField(label="How comfortable do you feel sharing things in therapy?", choices=SCALE,
                                widget=forms.RadioSelect, required=False,
                                help_text="1 means not at all, 5 means completely.")
    informed = forms.ChoiceField(label="How well do you feel you know who can see what you share, and when?",
                                 choices=SCALE, widget=forms.RadioSelect, required=False,
                                 help_text="1 means not at all, 5 means completely.")
    trust = forms.ChoiceField(label="How much do you trust that your record is kept private?", choices=SCALE,
                              widget=forms.RadioSelect, required=False,
                              help_text="1 means not at all, 5 means completely.")
    comment = forms.CharField(label="Anything you want to tell your therapist about privacy?",
                              required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class UnlockForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class InviteClientForm(forms.Form):
    email = forms.EmailField(label="Client's e-mail address", max_length=254,
                             help_text="The message says only that they were invited to a secure portal: no name, "
                                       "no practice, nothing clinical. The address is not stored.")


class ConsentSettingsForm(forms.Form):
    revisit_after_intake = forms.BooleanField(label="Ask to revisit confidentiality after intake", required=False)
    revisit_after_disclosure = forms.BooleanField(label="Ask to revisit confidentiality after any disclosure",
                                                  required=False)
    revisit_every_months = forms.IntegerField(label="Revisit confidentiality every (months, 0 for never)",
                                              min_value=0, max_value=36)
    checkin_every_days = forms.IntegerField(label="Offer a privacy check-in every (days)", min_value=7,
                                            max_value=365)


class UploadForm(forms.Form):
    file = forms.FileField(label="Choose a file", help_text="PDF, PNG, JPEG or plain text, at most 25 MB. It is "
                           "encrypted before it is stored; only you and your care team can open it.",
                           error_messages={"required": "Choose a file to upload."},
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.txt"}))


class StartRecoveryForm(forms.Form):
    identity_check = forms.ChoiceField(
        label="How did you confirm who the client is?", widget=forms.RadioSelect,
        choices=[("in_person", "In person, with a photo identity document"),
                 ("video", "On a video call, recognised by the clinician"),
                 ("callback", "By calling the client back on the number in their record")],
        error_messages={"required": "Choose how you confirmed the client's identity."})
    confirmed = forms.BooleanField(
        label="I confirmed this person's identity myself, and they asked for a new password.",
        error_messages={"required": "Confirm that you checked the client's identity yourself."})


class RestoreAccessForm(forms.Form):
    fingerprint = forms.CharField(
        label="The key fingerprint the client reads from their screen", max_length=120,
        help_text="At least the first 16 characters. Ask the client to read it out; do not take it from an e-mail.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Type the fingerprint the client reads out."})


class NewPasswordForm(forms.Form):
    password1 = forms.CharField(label="Choose a new password", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=f"At least {MIN_PASSWORD_LENGTH} characters; "
                                          "a few unrelated words work well.")
    password2 = forms.CharField(label="Type the new password again", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        return data
