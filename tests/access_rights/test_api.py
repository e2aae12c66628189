"""GET /api/v1/clients/{id}/export?format=fhir|pdf: the clinician's copy of the record."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient

from confide.audit.models import LogEntry
from confide.audit.tags import Tag
from confide.core.fhir import validated
from confide.records.models import Client
from tests.access_rights.conftest import pdf_text
from tests.api.conftest import PROBLEM, Api, token_of
from tests.conftest import Person


@pytest.fixture
def bob_api(bob: Person, client: HttpClient) -> Api:
    return Api(client, token_of(bob))


def test_the_fhir_export_is_a_valid_bundle_without_psychotherapy_notes(record: Client, bob_api: Api) -> None:
    response = bob_api.get(f"/clients/{record.public_id}/export?format=fhir")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Cache-Control"] == "no-store"
    assert 'filename="record-copy.fhir.json"' in response["Content-Disposition"]
    body = response.content.decode()
    bundle = json.loads(body)
    validated(bundle)
    assert bundle["resourceType"] == "Bundle" and "PSYNOTE-CANARY" not in body
    assert LogEntry.objects.filter(tag=Tag.RECORD_EXPORTED, client_id=str(record.public_id)).count() == 1


def test_the_pdf_export(record: Client, bob_api: Api) -> None:
    response = bob_api.get(f"/clients/{record.public_id}/export?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Quastenbrook" in text and "PSYNOTE-CANARY" not in text


@pytest.mark.parametrize("query", ["", "?format=", "?format=xml", "?format=FHIR", "?format=pdf%00",
                                   "?format=" + "x" * 40])
def test_a_bad_format_is_a_400_problem(record: Client, bob_api: Api, query: str) -> None:
    response = bob_api.get(f"/clients/{record.public_id}/export{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert not LogEntry.objects.filter(tag=Tag.RECORD_EXPORTED).exists()


def test_someone_without_access_gets_404(record: Client, client: HttpClient, dana: Person, carol: Person,
                                        charlie: Person) -> None:
    for person in (dana, carol, charlie):
        response = Api(client, token_of(person)).get(f"/clients/{record.public_id}/export?format=fhir")
        assert response.status_code == 404, person.email
    assert Api(client, None).get(f"/clients/{record.public_id}/export?format=fhir").status_code == 401
    assert not LogEntry.objects.filter(tag=Tag.RECORD_EXPORTED).exists()
