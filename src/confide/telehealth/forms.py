"""The privacy check asked of both sides before a video session."""

from __future__ import annotations

from typing import Any

from django import forms

from confide.telehealth import services
from confide.telehealth.models import Side
from confide.telehealth.services import PrivacyAnswers

YES_NO = (("yes", "Yes"), ("no", "No"))
ALONE = (("yes", "Nobody else is in the room"), ("no", "Someone else is in the room, or may come in"))


class PrivacyCheckForm(forms.Form):
    private_space = forms.ChoiceField(label="Are you somewhere private, where you cannot be overheard?",
                                      choices=YES_NO, widget=forms.RadioSelect)
    headphones = forms.ChoiceField(label="Are you using headphones?", choices=YES_NO, widget=forms.RadioSelect)
    alone = forms.ChoiceField(label="Who else is in the room?", choices=ALONE, widget=forms.RadioSelect)
    others_note = forms.CharField(label="If someone else is there, who?", required=False,
                                  max_length=services.MAX_NOTE_CHARS)
    relay_only = forms.BooleanField(
        label="Hide my network address from the other person (the video goes through the practice's relay, "
              "still encrypted end to end)", required=False)

    def __init__(self, *args: Any, side: str, relay: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.side = side
        if not relay:
            del self.fields["relay_only"]
        if side == Side.CLIENT:
            self.fields["location"] = forms.ChoiceField(
                label="Where are you for this session?",
                help_text="The state or country you are in now. Its laws apply if there is an emergency.",
                choices=[("", "Choose a state or country"), *services.location_choices()])
            self.fields["emergency_contact"] = forms.CharField(
                label="An emergency contact for this session (name and phone number)",
                help_text="Someone near you we may call if you have an emergency during the session.",
                max_length=services.MAX_NOTE_CHARS)

    def answers(self) -> PrivacyAnswers:
        data = self.cleaned_data
        return PrivacyAnswers(private_space=data["private_space"] == "yes", headphones=data["headphones"] == "yes",
                              alone=data["alone"] == "yes", others_note=data.get("others_note", ""),
                              relay_only=bool(data.get("relay_only")), location=data.get("location", ""),
                              emergency_contact=data.get("emergency_contact", ""))
