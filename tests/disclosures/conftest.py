from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import pytest
from django.utils import timezone

from confide.disclosures import authorizations
from confide.disclosures.authorizations import AuthorizationInput
from confide.disclosures.models import Authorization
from confide.records import documents
from confide.records.models import Client, Document
from tests.conftest import Person
from tests.records.conftest import client_record, vault_of

__all__ = ["client_record", "pdf_text"]  # fixtures shared with the disclosure tests


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, as pypdf reads it."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def scan(client_record: Client, bob: Person) -> Document:
    """The scan of a signed paper form, uploaded to the chart (fictional content)."""
    body = b"%PDF-1.4 signed authorization scan (fictional)"
    return documents.upload_document(vault_of(bob), client_record.public_id, filename="roi.pdf",
                                     stream=io.BytesIO(body), size=len(body))


@pytest.fixture
def complete(scan: Document) -> AuthorizationInput:
    """A complete standard authorization, signed on paper today."""
    return AuthorizationInput(
        categories=("progress_notes", "treatment_plan"),
        description="Progress notes and the current treatment plan from 2026",
        discloser="Quiet Harbour Counselling", recipient_name="Dr. Imogen Farthingale",
        recipient_address="12 Lantern Row, Springfield", purposes="Continuity of care at the request of the client",
        expires_on=timezone.localdate() + dt.timedelta(days=90), signer_name="Wilhelmina Quastenbrook",
        signed_on=timezone.localdate(), states_right_to_revoke=True, states_conditioning=True,
        states_redisclosure=True, signature_method=Authorization.SignatureMethod.PAPER,
        scan_document_id=str(scan.public_id))


@pytest.fixture
def authorization(client_record: Client, bob: Person, complete: AuthorizationInput) -> Authorization:
    return authorizations.create_authorization(vault_of(bob), client_record.public_id, complete)


@pytest.fixture
def pn_authorization(client_record: Client, bob: Person, complete: AuthorizationInput) -> Authorization:
    return authorizations.create_authorization(vault_of(bob), client_record.public_id, replace(
        complete, categories=("psychotherapy_notes",), description="Psychotherapy notes of 2026"))
