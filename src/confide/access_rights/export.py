"""The client's record as a FHIR R4 Bundle and as a PDF: what a copy under 164.524 contains.

`gather` reads the designated record set through the records services with a care-team
member's vault (so every read is audited and every key check made): demographics, episodes of
care, sessions, signed progress notes with their addenda, the treatment plan, documents,
consent signatures and measures. Psychotherapy notes are never read: `gather` asks only for
progress notes and never uses a `private` scope key (45 CFR 164.524(a)(1)(i)).

`fhir_bundle` turns that into a `collection` Bundle of Patient, Encounter, DocumentReference
(one per note, the treatment plan and each document), Observation (measures), Consent and one
Provenance naming the practice as the source of the copy. Every resource and the Bundle are
validated with the `fhir.resources` models (`confide.core.fhir.validated`).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from confide.access_rights import grounds
from confide.core.fhir import validated
from confide.disclosures.pdf import render_pdf as render_pdf_template
from confide.keys.vault import Vault
from confide.measures import services as measures
from confide.portal.models import ConsentSignature
from confide.practice.models import Practice
from confide.records import care, documents, services
from confide.records.auditing import audit_batch
from confide.records.care import OpenedAppointment, OpenedEpisode, PlanContent
from confide.records.models import Client, Note
from confide.records.services import Demographics, OpenedNote

__all__ = ["MAX_ATTACHED_BYTES", "RecordContents", "fhir_bundle", "gather", "measure_observations", "render_pdf"]

# Documents are attached to the copy up to this total; larger ones are listed, and the practice
# hands them over separately (the copy says so).
MAX_ATTACHED_BYTES = 10 * 1024 * 1024

_LOINC = "http://loinc.org"
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
_PROVENANCE_ACTIVITY = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_CONFIDE_CLIENT = "urn:confide:client"
_CONFIDE_RECORD = "urn:confide:record"


@dataclass(frozen=True)
class AttachedDocument:
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    public_id: uuid.UUID
    content: bytes | None  # None when it did not fit in the copy


@dataclass(frozen=True)
class RecordContents:
    """Everything a copy of the record holds, opened; never a psychotherapy note."""

    client: Client
    practice_name: str
    demographics: Demographics
    episodes: list[OpenedEpisode]
    appointments: list[OpenedAppointment]
    notes: list[OpenedNote]
    plan: PlanContent
    plan_updated_at: dt.datetime | None
    documents: list[AttachedDocument]
    consents: list[ConsentSignature]
    observations: list[dict[str, Any]]
    generated_at: dt.datetime = field(default_factory=timezone.now)


def measure_observations(vault: Vault, client: Client) -> list[dict[str, Any]]:
    """The client's measures (PHQ-9, GAD-7) as FHIR Observation dicts, for the copy.

    The one place the copy takes measures from: `confide.measures.services.fhir_observations`,
    opened with the care-team member's vault (the totals are sealed under the portal key), with
    the patient referenced as in the rest of the Bundle (`urn:uuid:<client id>`).
    """
    observations = measures.fhir_observations(vault, client)
    for observation in observations:
        observation["subject"] = {"reference": _urn(client.public_id)}
    return observations


def gather(vault: Vault, client: Client) -> RecordContents:
    """Read the client's designated record set with this care-team member's vault (audited)."""
    client_id = client.public_id
    with audit_batch():
        _, demographics = services.get_client(vault, client_id)
        episodes = care.list_episodes(vault, client_id)
        appointments = care.list_appointments(vault, client_id)
        # Progress notes only, and only signed ones: a draft is not yet part of the record, and
        # psychotherapy notes are outside the right of access (164.524(a)(1)(i)).
        listed = services.list_notes(vault, client_id, kind=Note.Kind.PROGRESS)
        notes = [services.open_listed_note(vault, note) for note in listed
                 if note.kind == Note.Kind.PROGRESS and note.status == Note.Status.SIGNED]
        plan = care.get_treatment_plan(vault, client_id)
        attached: list[AttachedDocument] = []
        budget = MAX_ATTACHED_BYTES
        for document, meta in documents.list_documents(vault, client_id):
            content = None
            if document.size <= budget:
                _, content = documents.read_document(vault, client_id, document.public_id)
                budget -= document.size
            attached.append(AttachedDocument(name=meta.filename, content_type=meta.content_type, size=document.size,
                                             uploaded_at=document.created_at, public_id=document.public_id,
                                             content=content))
    consents = list(ConsentSignature.objects.filter(client=client).select_related("version").order_by("signed_at"))
    practice = Practice.objects.get(pk=client.practice_id)
    return RecordContents(
        client=client, practice_name=practice.name, demographics=demographics, episodes=episodes,
        appointments=sorted(appointments, key=lambda a: a.appointment.starts_at), notes=notes,
        plan=plan.content, plan_updated_at=plan.plan.updated_at if plan.plan else None, documents=attached,
        consents=consents, observations=[validated(o) for o in measure_observations(vault, client)])


# ----------------------------------------------------------------------------- FHIR


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _urn(value: uuid.UUID | str) -> str:
    return f"urn:uuid:{value}"


def _derived_id(*parts: object) -> uuid.UUID:
    """A stable id for a resource that has no UUID of its own (a consent signature, the plan)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, _CONFIDE_RECORD + ":" + ":".join(str(p) for p in parts))


def _text_attachment(text: str, title: str, created: dt.datetime | None) -> dict[str, Any]:
    attachment: dict[str, Any] = {"contentType": "text/plain; charset=utf-8", "language": "en",
                                  "data": base64.b64encode(text.encode("utf-8")).decode("ascii"), "title": title}
    if created is not None:
        attachment["creation"] = _instant(created)
    return attachment


def _patient(contents: RecordContents) -> dict[str, Any]:
    d = contents.demographics
    name: dict[str, Any] = {"use": "official", "family": d.family_name, "given": [d.given_name],
                            "text": f"{d.given_name} {d.family_name}".strip()}
    names = [name]
    if d.preferred_name and d.preferred_name != d.given_name:
        names.append({"use": "usual", "given": [d.preferred_name], "family": d.family_name})
    patient: dict[str, Any] = {
        "resourceType": "Patient", "id": str(contents.client.public_id),
        "identifier": [{"system": _CONFIDE_CLIENT, "value": str(contents.client.public_id)}],
        "active": contents.client.status == Client.Status.ACTIVE, "name": names,
    }
    telecom = []
    if d.email:
        telecom.append({"system": "email", "value": d.email})
    if d.phone:
        telecom.append({"system": "phone", "value": d.phone})
    if telecom:
        patient["telecom"] = telecom
    if d.date_of_birth:
        patient["birthDate"] = d.date_of_birth
    return patient


_ENCOUNTER_STATUS = {care.Attendance.SCHEDULED: "planned", care.Attendance.ATTENDED: "finished",
                     care.Attendance.CANCELLED: "cancelled", care.Attendance.LATE_CANCELLED: "cancelled",
                     care.Attendance.NO_SHOW: "cancelled"}


def _encounter(opened: OpenedAppointment, patient_ref: str) -> dict[str, Any]:
    appointment = opened.appointment
    virtual = opened.modality in (care.Modality.VIDEO, care.Modality.PHONE)
    encounter: dict[str, Any] = {
        "resourceType": "Encounter", "id": str(appointment.public_id),
        "status": _ENCOUNTER_STATUS.get(opened.attendance, "unknown"),
        "class": {"system": _ACT_CODE, "code": "VR" if virtual else "AMB",
                  "display": "virtual" if virtual else "ambulatory"},
        "type": [{"text": f"Psychotherapy session ({opened.modality_label.lower()})"}],
        "subject": {"reference": patient_ref},
        "period": {"start": _instant(appointment.starts_at), "end": _instant(opened.ends_at)},
        "length": {"value": appointment.duration_minutes, "unit": "min", "system": "http://unitsofmeasure.org",
                   "code": "min"},
    }
    if opened.attendance == care.Attendance.NO_SHOW:
        encounter["type"].append({"text": "The client did not attend"})
    return encounter


def _note_text(opened: OpenedNote) -> str:
    parts = [opened.body]
    for addendum, body in opened.addenda:
        stamp = timezone.localtime(addendum.created_at).strftime("%Y-%m-%d %H:%M")
        parts.append(f"\n--- Addendum of {stamp} ---\n{body}")
    return "\n".join(parts)


def _note_reference(opened: OpenedNote, patient_ref: str) -> dict[str, Any]:
    note = opened.note
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference", "id": str(note.public_id),
        "status": "current", "docStatus": "amended" if opened.addenda else "final",
        "type": {"coding": [{"system": _LOINC, "code": "11506-3", "display": "Progress note"}],
                 "text": "Progress note"},
        "subject": {"reference": patient_ref},
        "date": _instant(note.signed_at or note.updated_at),
        "author": [{"display": str(note.author)}],
        "description": f"Progress note of the session on {note.session_date.isoformat()}",
        "content": [{"attachment": _text_attachment(_note_text(opened), f"Progress note {note.session_date}",
                                                    note.signed_at)}],
    }
    if note.appointment_id is not None and note.appointment is not None:
        resource["context"] = {"encounter": [{"reference": _urn(note.appointment.public_id)}]}
    return resource


def _plan_text(plan: PlanContent) -> str:
    lines = []
    if plan.diagnoses:
        lines += ["Diagnoses:", *[f"  {d}" for d in plan.diagnoses], ""]
    for heading, text in (("Problems", plan.problems), ("Goals", plan.goals), ("Interventions", plan.interventions)):
        if text:
            lines += [f"{heading}:", text, ""]
    if plan.review_on:
        lines.append(f"Next review: {plan.review_on}")
    return "\n".join(lines).strip()


def _plan_reference(contents: RecordContents, patient_ref: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference", "id": str(_derived_id(contents.client.public_id, "plan")),
        "status": "current",
        "type": {"coding": [{"system": _LOINC, "code": "18776-5", "display": "Plan of care note"}],
                 "text": "Treatment plan"},
        "subject": {"reference": patient_ref},
        **({"date": _instant(contents.plan_updated_at)} if contents.plan_updated_at else {}),
        "content": [{"attachment": _text_attachment(_plan_text(contents.plan), "Treatment plan",
                                                    contents.plan_updated_at)}],
    }


def _document_reference(document: AttachedDocument, patient_ref: str) -> dict[str, Any]:
    attachment: dict[str, Any] = {"contentType": document.content_type, "title": document.name,
                                  "size": document.size, "creation": _instant(document.uploaded_at)}
    if document.content is not None:
        attachment["data"] = base64.b64encode(document.content).decode("ascii")
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference", "id": str(document.public_id), "status": "current",
        "type": {"text": "Document in the record"}, "subject": {"reference": patient_ref},
        "date": _instant(document.uploaded_at), "content": [{"attachment": attachment}],
    }
    if document.content is None:
        resource["description"] = "Too large for this copy: the practice hands it over separately."
    return resource


def _consent(signature: ConsentSignature, patient_ref: str, practice_name: str) -> dict[str, Any]:
    return {
        "resourceType": "Consent", "id": str(signature.public_id), "status": "active",
        "scope": {"coding": [{"system": _CONSENT_SCOPE, "code": "treatment", "display": "Treatment"}]},
        "category": [{"coding": [{"system": _LOINC, "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": patient_ref},
        "dateTime": _instant(signature.signed_at),
        "organization": [{"display": practice_name}],
        "policyRule": {"text": f"{practice_name}: consent document version {signature.version.number} "
                               f"(SHA-256 {signature.document_hash})"},
        "provision": {"type": "permit"},
    }


def fhir_bundle(contents: RecordContents) -> dict[str, Any]:
    """The copy as a validated FHIR `collection` Bundle (a JSON-ready dict)."""
    patient = _patient(contents)
    patient_ref = _urn(contents.client.public_id)
    resources: list[dict[str, Any]] = [patient]
    resources += [_encounter(a, patient_ref) for a in contents.appointments]
    resources += [_note_reference(n, patient_ref) for n in contents.notes]
    if not contents.plan.is_empty:
        resources.append(_plan_reference(contents, patient_ref))
    resources += [_document_reference(d, patient_ref) for d in contents.documents]
    resources += list(contents.observations)
    resources += [_consent(s, patient_ref, contents.practice_name) for s in contents.consents]
    provenance = {
        "resourceType": "Provenance", "id": str(_derived_id(contents.client.public_id, "copy",
                                                            contents.generated_at.isoformat())),
        "target": [{"reference": _urn(r["id"])} for r in resources],
        "recorded": _instant(contents.generated_at),
        "activity": {"coding": [{"system": _PROVENANCE_ACTIVITY, "code": "CREATE", "display": "create"}],
                     "text": "Copy of the record made at the client's request (45 CFR 164.524)"},
        "agent": [{"type": {"coding": [{"system": _PROVENANCE_AGENT, "code": "custodian", "display": "Custodian"}]},
                   "who": {"display": contents.practice_name}}],
    }
    resources.append(provenance)
    for resource in resources:
        validated(resource)
    bundle = {
        "resourceType": "Bundle", "id": str(_derived_id(contents.client.public_id, "bundle",
                                                        contents.generated_at.isoformat())),
        "meta": {"tag": [{"system": "urn:confide:export", "code": "right-of-access",
                          "display": "Excludes psychotherapy notes (45 CFR 164.524(a)(1)(i))"}]},
        "type": "collection", "timestamp": _instant(contents.generated_at),
        "entry": [{"fullUrl": _urn(r["id"]), "resource": r} for r in resources],
    }
    return validated(bundle)


# ----------------------------------------------------------------------------- PDF


def render_pdf(contents: RecordContents) -> bytes:
    """The copy as a PDF, with the attached documents embedded as PDF attachments."""
    files = [(d.name, d.content) for d in contents.documents if d.content is not None]
    return render_pdf_template("access_rights/pdf/record.html", {
        "c": contents, "excluded": grounds.PSYCHOTHERAPY_NOTES_EXCLUDED,
        "plan_text": _plan_text(contents.plan), "notes": [(n, _note_text(n)) for n in contents.notes],
    }, attachments=[(name, content) for name, content in files if content is not None])
