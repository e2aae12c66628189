"""Fixtures of the telehealth tests: a video appointment of bob's client, starting in five minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from confide.portal.models import ClientAccount
from confide.records import care
from confide.telehealth.models import VideoSession
from confide.telehealth.services import PrivacyAnswers
from tests.conftest import Person
from tests.portal.conftest import client_account, client_record, consent  # noqa: F401 (shared fixtures)
from tests.records.conftest import vault_of

CLINICIAN_ANSWERS = PrivacyAnswers(private_space=True, headphones=True, alone=True)
CLIENT_ANSWERS = PrivacyAnswers(private_space=True, headphones=False, alone=False, others_note="a sleeping toddler",
                                location="US-NJ", emergency_contact="Ines Varga, +1 555 0199")


@pytest.fixture
def video(bob: Person, client_account: ClientAccount) -> VideoSession:  # noqa: F811
    """A video appointment of bob's client (who has a portal account), starting in five minutes."""
    appointment = care.create_appointment(vault_of(bob), client_account.client.public_id,
                                          starts_at=timezone.now() + dt.timedelta(minutes=5), duration_minutes=50,
                                          modality="video")
    return VideoSession.objects.select_related("appointment", "client").get(appointment=appointment)
