"""Audit events as a FHIR R4 Bundle of AuditEvent resources shaped like IHE BALP.

IHE Basic Audit Log Patterns profile AuditEvent for create/read/update/delete/query and for
authentication. Each Confide entry maps to one AuditEvent with `type`/`subtype` codes from the
FHIR audit-event-type / restful-interaction and DICOM (DCM) code systems, `action` C/R/U/D/E,
`recorded`, `outcome`, `purposeOfEvent` (HL7 v3 ActReason), one requesting `agent` (the opaque
actor id), the `source` observer (this Confide installation) and, when the event is about a
client, an `entity` for the patient carrying the client's opaque public id — never a name or
anything else that identifies a person. Sealed details stay out: they are ciphertext.

Every resource and the Bundle are checked with the `fhir.resources` models (`confide.core.fhir`)
before they are returned, so a malformed event is an error here, not a file a SIEM refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from confide.auditlog import AuditEvent, Outcome
from confide.core.fhir import validated

__all__ = ["ACTOR_SYSTEM", "CLIENT_SYSTEM", "LOG_SYSTEM", "audit_event", "bundle"]

# Identifier systems for Confide's opaque ids (URNs: they name a namespace, not a server).
ACTOR_SYSTEM = "urn:confide:actor"
CLIENT_SYSTEM = "urn:confide:client"
LOG_SYSTEM = "urn:confide:audit-log-position"

_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
_RESTFUL = "http://hl7.org/fhir/restful-interaction"
_DCM = "http://dicom.nema.org/resources/ontology/DCM"
_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_SECURITY_ROLE = "http://terminology.hl7.org/CodeSystem/extra-security-role-type"
_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
_OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"

# The last part of a tag (`<scope>:<resource>:<action>`) → FHIR action and restful interaction.
_VERBS: dict[str, tuple[str, str]] = {
    "read": ("R", "read"),
    "listed": ("E", "search-type"),
    "created": ("C", "create"),
    "uploaded": ("C", "create"),
    "opened": ("C", "create"),
    "added": ("C", "create"),
    "sent": ("C", "create"),
    "granted": ("C", "create"),
    "addended": ("U", "update"),
    "updated": ("U", "update"),
    "changed": ("U", "update"),
    "signed": ("U", "update"),
    "closed": ("U", "update"),
    "suspended": ("U", "update"),
    "restored": ("U", "update"),
    "accepted": ("U", "update"),
    "reassigned": ("U", "update"),
    "password_reset": ("U", "update"),
    "removed": ("D", "delete"),
    "revoked": ("D", "delete"),
}
# FHIR AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure.
_OUTCOMES = {Outcome.SUCCESS: "0", Outcome.DENIED: "4", Outcome.FAILURE: "8"}
_OUTCOME_TEXT = {Outcome.SUCCESS: "success", Outcome.DENIED: "access denied", Outcome.FAILURE: "failed"}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _type_and_action(tag: str) -> tuple[dict[str, str], list[dict[str, str]], str]:
    scope, resource, verb = tag.split(":")
    if scope == "auth" and resource in ("signin", "signout"):
        login = resource == "signin"
        subtype = _coding(_DCM, "110122", "Login") if login else _coding(_DCM, "110123", "Logout")
        return _coding(_DCM, "110114", "User Authentication"), [subtype], "E"
    if scope == "auth":
        # MFA changes and failures: a security alert about a user's security attributes.
        subtype = _coding(_DCM, "110137", "User Security Attributes Changed")
        return _coding(_DCM, "110113", "Security Alert"), [subtype], _VERBS.get(verb, ("E", ""))[0]
    action, interaction = _VERBS.get(verb, ("E", ""))
    subtypes = [_coding(_RESTFUL, interaction, interaction)] if interaction else []
    return _coding(_EVENT_TYPE, "rest", "RESTful Operation"), subtypes, action


def audit_event(position: int, event: AuditEvent, *, observer: str) -> dict[str, Any]:
    """Return the AuditEvent resource (as JSON-ready dict) for the entry at `position`."""
    event_type, subtypes, action = _type_and_action(event.tag)
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"confide-audit-{position}",
        "meta": {"tag": [_coding("urn:confide:audit-tag", event.tag)]},
        "type": event_type,
        "action": action,
        "period": {"start": _instant(event.occurred_at), "end": _instant(event.occurred_at)},
        "recorded": _instant(event.occurred_at),
        "outcome": _OUTCOMES[event.outcome],
        "outcomeDesc": _OUTCOME_TEXT[event.outcome],
        "purposeOfEvent": [{"coding": [_coding(_ACT_REASON, event.purpose)]}],
        "agent": [
            {
                "type": {"coding": [_coding(_SECURITY_ROLE, "humanuser", "human user")]},
                "who": {"identifier": {"system": ACTOR_SYSTEM, "value": event.actor_id}},
                "requestor": True,
            }
        ],
        "source": {
            "observer": {"display": observer},
            "type": [_coding(_SOURCE_TYPE, "4", "Application Server")],
        },
        "entity": [
            {
                "what": {"identifier": {"system": LOG_SYSTEM, "value": str(position)}},
                "type": _coding(_ENTITY_TYPE, "2", "System Object"),
                "role": _coding(_OBJECT_ROLE, "13", "Security Resource"),
            }
        ],
    }
    if subtypes:
        resource["subtype"] = subtypes
    if event.client_id:
        resource["entity"].insert(
            0,
            {
                "what": {"identifier": {"system": CLIENT_SYSTEM, "value": event.client_id}},
                "type": _coding(_ENTITY_TYPE, "1", "Person"),
                "role": _coding(_OBJECT_ROLE, "1", "Patient"),
            },
        )
    return validated(resource)


def bundle(entries: Iterable[tuple[int, AuditEvent]], *, observer: str, timestamp: datetime) -> dict[str, Any]:
    """Return a FHIR R4 `collection` Bundle of the given (position, event) pairs."""

    def resources() -> Iterator[dict[str, Any]]:
        for position, event in entries:
            yield {
                "fullUrl": f"urn:confide:audit-event:{position}",
                "resource": audit_event(position, event, observer=observer),
            }

    # Each entry was validated on its own; the Bundle's own elements are checked here.
    entries_out = list(resources())
    validated({"resourceType": "Bundle", "type": "collection", "timestamp": _instant(timestamp), "entry": []})
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(timestamp),
        "entry": entries_out,
    }
