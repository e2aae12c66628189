"""Fixtures of the right-of-access tests: bob's client with a portal account, a signed progress
note, a session, a plan, a document and a psychotherapy note whose body is a canary that must
never appear in any copy."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from confide.portal.models import ClientAccount
from confide.records import care, documents, services
from confide.records.models import Client
from tests.conftest import Person
from tests.disclosures.conftest import pdf_text
from tests.portal.conftest import CLIENT_PASSWORD, client_account, client_vault_of, consent
from tests.records.conftest import client_record, vault_of

__all__ = ["CANARY", "CLIENT_PASSWORD", "PROGRESS_TEXT", "client_account", "client_record", "client_vault_of",
           "consent", "pdf_text", "record"]

# The psychotherapy note's body: it must appear in no export, PDF or JSON, in any encoding.
CANARY = "PSYNOTE-CANARY-7f3a91 the dream about the lighthouse"
PROGRESS_TEXT = "Client reports sleeping better; practised paced breathing (fictional)."


@pytest.fixture
def record(client_account: ClientAccount, bob: Person) -> Client:
    """Bob's client, filled in: a session, a signed note on it, a draft, a plan, a document, a psychotherapy note."""
    vault = vault_of(bob)
    client = client_account.client
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=2)
    appointment = care.create_appointment(vault, client.public_id, starts_at=start, duration_minutes=50,
                                          modality=care.Modality.VIDEO, attendance=care.Attendance.ATTENDED)
    services.create_note(vault, client.public_id, kind="progress", session_date=None, body=PROGRESS_TEXT,
                         sign=True, consent_reason="Consent recorded on paper (fictional).",
                         appointment_id=appointment.public_id)
    services.create_note(vault, client.public_id, kind="progress", session_date=timezone.localdate(),
                         body="DRAFT-NOT-IN-COPY unfinished thoughts", unscheduled_reason="phone")
    services.create_note(vault, client.public_id, kind="psychotherapy", session_date=timezone.localdate(),
                         body=CANARY, sign=True)
    care.save_treatment_plan(vault, client.public_id, care.PlanContent(
        goals="Sleep through most nights (fictional).",
        diagnoses=(care.Diagnosis(code="F51.01", description="Primary insomnia"),)), expected_version=0)
    body = b"%PDF-1.4 fictional referral letter"
    documents.upload_document(vault, client.public_id, filename="referral.pdf", stream=io.BytesIO(body),
                              size=len(body))
    return client
