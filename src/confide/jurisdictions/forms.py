"""Forms of the owner's jurisdiction pages."""

from __future__ import annotations

from django import forms

from confide.jurisdictions.loader import list_packs


def pack_choices() -> list[tuple[str, str]]:
    return [(pack.code, f"{pack.name} ({pack.code})") for pack in list_packs()]


class ChooseJurisdictionForm(forms.Form):
    code = forms.ChoiceField(label="Where the practice works", choices=pack_choices)


class ConfirmPackForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput, max_length=16)
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reviewed = forms.BooleanField(
        label="I have reviewed every rule above, with its source and status. I understand that Confide "
        "offers decision support, not legal advice.",
        error_messages={"required": "Tick the box to confirm that you reviewed the rules."},
    )
