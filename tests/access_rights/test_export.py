"""The FHIR Bundle of a copy: every resource validates with fhir.resources, measures included."""

from __future__ import annotations

from typing import Any

import pytest

from confide.access_rights import export
from confide.core.fhir import FHIRValidationError, validated
from confide.portal.models import ConsentSignature, ConsentVersion
from confide.records.models import Client
from tests.conftest import Person
from tests.disclosures.conftest import pdf_text
from tests.records.conftest import vault_of


def phq9_observation(client: Client, total: int = 11) -> dict[str, Any]:
    """What `confide.measures.services.fhir_observations` returns for one PHQ-9 (fixture)."""
    return {
        "resourceType": "Observation", "id": "0b8c2f4e-1d7a-4c3e-9f5b-6a2d8e1c7b90", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "44261-6",
                             "display": "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"}],
                 "text": "PHQ-9 total score"},
        "subject": {"reference": f"urn:uuid:{client.public_id}"},
        "effectiveDateTime": "2026-11-30T10:00:00Z",
        "valueInteger": total,
        "interpretation": [{"text": "Moderate depression"}],
    }


def test_observations_from_the_measures_function_go_into_the_bundle_and_validate(
        record: Client, bob: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "measure_observations", lambda vault, client: [phq9_observation(client)])
    contents = export.gather(vault_of(bob), record)
    bundle = export.fhir_bundle(contents)
    validated(bundle)
    [observation] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert observation["valueInteger"] == 11
    provenance = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Provenance")
    assert {"reference": f"urn:uuid:{observation['id']}"} in provenance["target"]
    assert "PHQ-9 total score" in pdf_text(export.render_pdf(contents))


def test_an_invalid_observation_is_refused_before_it_reaches_a_copy(
        record: Client, bob: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = phq9_observation(record)
    del broken["code"]
    monkeypatch.setattr(export, "measure_observations", lambda vault, client: [broken])
    with pytest.raises(FHIRValidationError, match=r"Observation\.code"):
        export.gather(vault_of(bob), record)


def test_every_resource_kind_the_issue_names_is_in_the_bundle(record: Client, bob: Person,
                                                              client_account: object) -> None:
    version = ConsentVersion.objects.create(practice_id=record.practice_id, number=1, fingerprint="ab" * 32,
                                            title="Consent", document={})
    ConsentSignature.objects.create(public_id="5a4d3c2b-1a09-4876-9543-210fedcba987", client=record,
                                    version=version, document_hash="ab" * 32, signed_name=b"sealed",
                                    signed_by_id=bob.user.pk)
    bundle = export.fhir_bundle(export.gather(vault_of(bob), record))
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "Encounter", "DocumentReference", "Consent", "Provenance"} <= kinds
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        validated(entry["resource"])
    patient = bundle["entry"][0]["resource"]
    assert patient["birthDate"] == "1987-03-14" and patient["name"][0]["family"] == "Quastenbrook"


@pytest.mark.parametrize("resource", [
    {"resourceType": "Patient", "birthDate": "14 March"},
    {"resourceType": "Encounter", "status": "finished"},
    {"resourceType": "NotAThing"},
    {"status": "final"},
    {"resourceType": "Patient", "nickname": "extra elements are refused"},
])
def test_validation_names_what_is_wrong(resource: dict[str, Any]) -> None:
    with pytest.raises(FHIRValidationError):
        validated(resource)
