"""`confide audit export-fhir`: the log as a FHIR R4 Bundle of AuditEvent resources (IHE BALP)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent as AuditEventModel

from confide.audit import commands, fhir, services
from confide.audit.models import LogEntry
from confide.auditlog import AuditEvent, Outcome, PurposeOfUse, decode_entry
from confide.core.fhir import FHIRValidationError
from tests.audit.conftest import CLIENT, append

# Value sets the export draws from (docs/audit.md lists them; shared/reference/standards.md).
ACTIONS = {"C", "R", "U", "D", "E"}
OUTCOMES = {"0", "4", "8", "12"}
TYPE_SYSTEMS = {"http://terminology.hl7.org/CodeSystem/audit-event-type", "http://dicom.nema.org/resources/ontology/DCM"}
RESTFUL = {"create", "read", "update", "delete", "search-type"}


def export(since: str | None = None, out_path: Path | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = commands.run_export_fhir(since, out_path, out)
    return code, out.getvalue()


def check_audit_event(resource: dict[str, Any]) -> None:
    """The R4 AuditEvent required elements (type, recorded, agent 1..*, source) and BALP's shape."""
    assert resource["resourceType"] == "AuditEvent"
    assert resource["type"]["system"] in TYPE_SYSTEMS and resource["type"]["code"]
    assert resource["action"] in ACTIONS
    datetime.fromisoformat(resource["recorded"])
    assert resource["outcome"] in OUTCOMES
    [agent] = resource["agent"]
    assert agent["requestor"] is True and agent["who"]["identifier"]["system"] == "urn:confide:actor"
    assert resource["source"]["observer"]["display"]
    assert resource["source"]["type"][0]["system"] == "http://terminology.hl7.org/CodeSystem/security-source-type"
    [purpose] = resource["purposeOfEvent"]
    assert purpose["coding"][0]["system"] == "http://terminology.hl7.org/CodeSystem/v3-ActReason"
    for entity in resource["entity"]:
        assert set(entity["what"]) == {"identifier"}, "entities are opaque references, never names"


def test_every_entry_becomes_a_balp_shaped_audit_event(db: None) -> None:
    append(2)
    append(1, client_id=None, tag="auth:signin:succeeded")
    append(1, tag="record:note:updated")
    code, output = export()
    assert code == 0
    bundle = json.loads(output)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    resources = [entry["resource"] for entry in bundle["entry"]]
    for resource in resources:
        check_audit_event(resource)
    read, _, signin, update, export_read = resources
    assert (read["action"], read["subtype"][0]["code"]) == ("R", "read")
    assert read["subtype"][0]["system"] == "http://hl7.org/fhir/restful-interaction"
    patient = read["entity"][0]
    assert patient["what"]["identifier"] == {"system": "urn:confide:client", "value": CLIENT}
    assert patient["role"]["code"] == "1" and patient["type"]["code"] == "1"
    assert (signin["type"]["code"], signin["subtype"][0]["code"], signin["action"]) == ("110114", "110122", "E")
    assert all(entity["role"]["code"] != "1" for entity in signin["entity"]), "no patient on a sign-in"
    assert (update["action"], update["subtype"][0]["code"]) == ("U", "update")
    assert export_read["meta"]["tag"][0]["code"] == "audit:log:read", "the export itself is logged first"
    assert [entry["fullUrl"] for entry in bundle["entry"]] == [f"urn:confide:audit-event:{n}" for n in range(5)]


def test_the_export_carries_no_sealed_detail_or_index_copies(db: None) -> None:
    services.record_event(
        "record:note:read", actor_id="user:7", purpose="TREAT", outcome="denied", client_id=CLIENT,
        sealed_detail=b"\x01sealed-ciphertext-marker",
    )  # fmt: skip
    LogEntry.objects.filter(position=0).update(client_id="tampered-index")
    _, output = export()
    assert "sealed-ciphertext-marker" not in output and "tampered-index" not in output
    first = json.loads(output)["entry"][0]["resource"]
    assert first["outcome"] == "4" and first["entity"][0]["what"]["identifier"]["value"] == CLIENT


def test_since_filters_on_the_event_time_and_bad_input_is_refused(db: None) -> None:
    services.record_event(
        "record:note:read", actor_id="user:7", purpose="TREAT", outcome="success", client_id=CLIENT,
        occurred_at=datetime(2020, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    append(1)
    bundle = json.loads(export(since="2021-01-01")[1])
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == ["confide-audit-1", "confide-audit-2"]
    with pytest.raises(Exception, match="is not a date"):
        export(since="yesterday")


def test_it_writes_a_new_file_and_never_overwrites(db: None, tmp_path: Path) -> None:
    append(1)
    target = tmp_path / "audit.json"
    code, output = export(out_path=target)
    assert code == 0 and "Wrote 2 AuditEvent resources" in output
    assert json.loads(target.read_text())["resourceType"] == "Bundle"
    with pytest.raises(Exception, match="already exists"):
        export(out_path=target)


def test_an_export_that_cannot_be_logged_exports_nothing(db: None, settings: Any, tmp_path: Path) -> None:
    append(1)
    Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE).write_text("not a key\n")
    services._key_cache.clear()
    target = tmp_path / "audit.json"
    with pytest.raises(Exception, match="could not be logged"):
        export(out_path=target)
    assert not target.exists()
    assert [decode_entry(bytes(e)).tag for e in LogEntry.objects.values_list("entry", flat=True)] == [
        "record:note:read"
    ]


def test_each_audit_event_is_validated_with_the_fhir_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """The export no longer trusts hand-written JSON: a malformed element fails before it is written."""
    event = AuditEvent(tag="record:note:read", actor_id="user:7", purpose=PurposeOfUse.TREATMENT,
                       outcome=Outcome.SUCCESS, occurred_at=datetime(2026, 12, 4, 10, 0, tzinfo=UTC),
                       client_id="3f0c4b6e-8f1a-4a52-9d3e-2b7c1e5a9f10")
    AuditEventModel.model_validate(fhir.audit_event(1, event, observer="confide-test"))
    monkeypatch.setattr(fhir, "_instant", lambda moment: "yesterday at ten")
    with pytest.raises(FHIRValidationError, match="AuditEvent"):
        fhir.audit_event(1, event, observer="confide-test")
