"""The owner's consent-policy form."""

from __future__ import annotations

from django import forms

from confide.consent.models import ConsentPolicy, DestructionMethod


class ConsentPolicyForm(forms.Form):
    sees_minors = forms.BooleanField(label="We see clients under 18", required=False)
    family_no_secrets = forms.BooleanField(
        label='Couples and family work: "no secrets" (what one person says alone may be raised with all)',
        required=False,
    )
    uses_messaging = forms.BooleanField(label="We use e-mail or text messages with clients", required=False)
    bills_insurance = forms.BooleanField(label="We bill health insurance", required=False)
    uses_supervision = forms.BooleanField(
        label="Clinicians discuss de-identified cases with a supervisor or consultant", required=False
    )
    destruction_method = forms.ChoiceField(
        label="How records are destroyed when their retention period ends", choices=DestructionMethod.choices
    )
    complaint_contact = forms.CharField(
        label="Privacy complaints go to",
        max_length=300,
        required=False,
        help_text="A name and how to reach them, e.g. the owner's name and the practice phone number. "
        "Shown to every client.",
    )

    def clean_complaint_contact(self) -> str:
        value = str(self.cleaned_data.get("complaint_contact") or "")
        if any(ord(ch) < 32 for ch in value):
            raise forms.ValidationError("Use a single line without control characters.")
        return value

    @classmethod
    def initial_for(cls, policy: ConsentPolicy | None) -> dict[str, object]:
        if policy is None:
            defaults = ConsentPolicy()
            policy = defaults
        return {name: getattr(policy, name) for name in cls.base_fields}
