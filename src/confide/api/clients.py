"""Clients, notes and care teams. Each endpoint parses, calls one records service and answers.

Ids in paths are opaque UUIDs (staff members: integer ids); names and search terms never go
into a URL. Anyone without access to a client gets the same 404 as for a client that does not
exist; the services decide, and without a key wrap they could not open the record anyway.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Status

from confide.access_rights.services import AccessRightsError, export_record
from confide.api.auth import caller_vault
from confide.api.problems import Problem, problem
from confide.api.schemas import (
    MAX_ID,
    AccessLogOut,
    CareTeamMemberOut,
    ClientIn,
    ClientOut,
    ClientSearchIn,
    ClientSummaryOut,
    GrantIn,
    NoteIn,
    NoteOut,
    NoteSummaryOut,
    RevokeIn,
)
from confide.keys.vault import Vault
from confide.practice.models import Membership
from confide.records import services
from confide.records.access_history import access_history
from confide.records.models import CareTeamMember, Client, Note

router = Router(tags=["clients"])

# Errors every endpoint may answer with; all are RFC 9457 problem details.
ERRORS: dict[int, Any] = {401: Problem, 404: Problem, 422: Problem}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: Problem, 409: Problem, 413: Problem}
# A read that takes a JSON body (search) can also get a body that is not JSON, or too large.
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: Problem, 413: Problem}

ClientId = Annotated[uuid.UUID, Path(description="The client's id (a UUID).")]
NoteId = Annotated[uuid.UUID, Path(description="The note's id (a UUID).")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The staff member's user id.")]

# No user has id 0, so a reference to an unknown e-mail address travels on to the service, which
# checks the caller's access to the client first and only then refuses the unknown person.
NOBODY = 0


def _client_out(client: Client, demographics: services.Demographics) -> dict[str, Any]:
    return {
        "id": client.public_id,
        "given_name": demographics.given_name,
        "family_name": demographics.family_name,
        "preferred_name": demographics.preferred_name,
        "pronouns": demographics.pronouns,
        "date_of_birth": demographics.date_of_birth or None,
        "email": demographics.email,
        "phone": demographics.phone,
        "emergency_contact": demographics.emergency_contact,
        "status": client.status,
        "created_at": client.created_at,
    }


def _summary_out(entry: services.CaseloadEntry) -> dict[str, Any]:
    d = entry.demographics
    return {
        "id": entry.client.public_id,
        "given_name": d.given_name,
        "family_name": d.family_name,
        "preferred_name": d.preferred_name,
        "pronouns": d.pronouns,
        "date_of_birth": d.date_of_birth or None,
        "status": entry.client.status,
        "clinical_access": entry.clinical_access,
    }


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.display_name or user.email}


def _note_summary(note: Note) -> dict[str, Any]:
    return {
        "id": note.public_id,
        "kind": note.kind,
        "template": note.template,
        "session_date": note.session_date,
        "status": note.status,
        "version": note.version,
        "author": _person(note.author),
        "created_at": note.created_at,
        "updated_at": note.updated_at,
        "signed_at": note.signed_at,
    }


def _member_out(member: CareTeamMember, fingerprint: str) -> dict[str, Any]:
    return {
        "user_id": member.user_id,
        "name": member.user.display_name or member.user.email,
        "email": member.user.email,
        "role": member.role,
        "clinical_access": member.clinical_access,
        "key_fingerprint": fingerprint,
        "added_at": member.added_at,
    }


def _staff_id(vault: Vault, user_id: int | None, email: str | None) -> int:
    """The id of a staff member of the caller's practice, by id or e-mail address."""
    if user_id is not None:
        return user_id
    found = (Membership.objects.filter(practice_id=vault.practice_id, user__email=(email or "").strip().lower())
             .values_list("user_id", flat=True).first())
    return found if found is not None else NOBODY


# ----------------------------------------------------------------------------- clients


@router.post("/clients", response={201: ClientOut, **WRITE_ERRORS}, summary="Register a client")
def create_client(request: HttpRequest, payload: ClientIn) -> Status[dict[str, Any]]:
    """Register a client with a primary clinician on their care team.

    A clinician (or an owner who is also a clinician) who leaves out `primary_clinician_id`
    becomes the primary clinician; front desk and an owner who does not treat clients must name
    one. An unknown id, someone who is not a treating clinician, or a member of another practice is
    a 400 problem, and nothing is created.
    """
    demographics = services.Demographics(
        given_name=payload.given_name,
        family_name=payload.family_name,
        preferred_name=payload.preferred_name or "",
        pronouns=payload.pronouns or "",
        date_of_birth=payload.date_of_birth.isoformat() if payload.date_of_birth else "",
        email=payload.email or "",
        phone=payload.phone or "",
        emergency_contact=payload.emergency_contact or "",
    )
    vault = caller_vault(request)
    client = services.create_client(vault, demographics, primary_clinician_id=payload.primary_clinician_id)
    return Status(201, _client_out(*services.get_client(vault, client.public_id)))


@router.get("/clients", response={200: list[ClientSummaryOut], **ERRORS}, summary="Your caseload")
def list_clients(request: HttpRequest) -> list[dict[str, Any]]:
    """The clients you may see, sorted by family name (at most 500). To search, POST to /clients/search."""
    return [_summary_out(entry) for entry in services.caseload(caller_vault(request))]


@router.post("/clients/search", response={200: list[ClientSummaryOut], **BODY_ERRORS}, summary="Search your caseload")
def search_clients(request: HttpRequest, payload: ClientSearchIn) -> list[dict[str, Any]]:
    """Clients in your caseload whose given, family or preferred name contains `query` (any case)."""
    return [_summary_out(entry) for entry in services.caseload(caller_vault(request), payload.query)]


@router.get("/clients/{client_id}", response={200: ClientOut, **ERRORS}, summary="A client's demographics")
def get_client(request: HttpRequest, client_id: ClientId) -> dict[str, Any]:
    """A client's demographics, for anyone holding the client's admin key."""
    return _client_out(*services.get_client(caller_vault(request), client_id))


# ----------------------------------------------------------------------------- notes


@router.post("/clients/{client_id}/notes", response={201: NoteOut, **WRITE_ERRORS}, summary="Write a note")
def create_note(request: HttpRequest, client_id: ClientId, payload: NoteIn) -> Status[dict[str, Any]]:
    """Write a progress note (the care team reads it once signed) or a psychotherapy note (only you read it).

    The note is a draft unless `sign` is true; a signed note is locked. Signing a progress note for a
    client without current consent needs `consent_reason`; without it the answer is a 422 problem of
    type `urn:confide:problem:consent-required` and nothing is saved.
    """
    vault = caller_vault(request)
    note = services.create_note(vault, client_id, kind=payload.kind, session_date=payload.session_date,
                                body=payload.body, template=payload.template, sign=payload.sign,
                                consent_reason=payload.consent_reason)
    return Status(201, _note_out(services.open_note(vault, client_id, note.public_id)))


@router.get("/clients/{client_id}/notes", response={200: list[NoteSummaryOut], **ERRORS}, summary="A client's notes")
def list_notes(request: HttpRequest, client_id: ClientId) -> list[dict[str, Any]]:
    """Metadata of the notes you may read, newest session first: signed progress notes, your own drafts
    and your own psychotherapy notes. Bodies stay sealed until you open a note.
    """
    notes = services.list_notes(caller_vault(request), client_id)
    return [_note_summary(note) for note in notes]


@router.get("/clients/{client_id}/notes/{note_id}", response={200: NoteOut, **ERRORS}, summary="Open a note")
def get_note(request: HttpRequest, client_id: ClientId, note_id: NoteId) -> dict[str, Any]:
    """A note with its body and addenda."""
    return _note_out(services.open_note(caller_vault(request), client_id, note_id))


def _note_out(opened: services.OpenedNote) -> dict[str, Any]:
    return {
        **_note_summary(opened.note),
        "body": opened.body,
        "addenda": [{"id": a.public_id, "author": _person(a.author), "created_at": a.created_at, "body": body}
                    for a, body in opened.addenda],
    }


# ----------------------------------------------------------------------------- care team


@router.get("/clients/{client_id}/access-log", response={200: AccessLogOut, 400: Problem, 409: Problem, **ERRORS},
            summary="Who accessed a client's record")
def get_access_log(request: HttpRequest, client_id: ClientId, before: int | None = None,
                   limit: int = 200) -> dict[str, Any] | HttpResponse:
    """A page of the accesses to the record, newest first, in plain words, each with its inclusion proof.

    `next_before` is the `before` of the next older page (null at the client's first entry): every
    entry is reachable page by page, and each page is checked complete before it is served (409
    otherwise). `limit` is 1 to 1000. Front desk receive the administrative entries only;
    `withheld` counts the others.
    """
    if not 1 <= limit <= 1000:
        return problem(request, 400, "limit must be 1 to 1000.", errors=[{"detail": "1 to 1000", "parameter": "limit"}])
    if before is not None and before < 0:
        return problem(request, 400, "before must be a position in the log.",
                       errors=[{"detail": "a position in the log", "parameter": "before"}])
    try:
        history = access_history(caller_vault(request), client_id, before=before, limit=limit)
    except ValueError:
        return problem(request, 400, "before must be the position of an entry about this client.",
                       errors=[{"detail": "an entry about this client", "parameter": "before"}])
    return {
        "tree_head": history.head_text, "tree_size": history.tree_size,
        "next_before": history.older, "withheld": history.withheld,
        "entries": [{"at": e.at, "who": e.who, "what": e.what, "why": e.why, "outcome": e.outcome, "tag": e.tag,
                     "leaf_index": e.position, "leaf_hash": e.leaf_hash, "inclusion_proof": e.proof,
                     "entry": e.entry}
                    for e in history.entries],
    }


@router.get("/clients/{client_id}/care-team", response={200: list[CareTeamMemberOut], **ERRORS},
            summary="A client's care team")
def get_care_team(request: HttpRequest, client_id: ClientId) -> list[dict[str, Any]]:
    """The care team with each member's key fingerprint."""
    return [_member_out(m.member, m.fingerprint) for m in services.care_team(caller_vault(request), client_id)]


@router.post("/clients/{client_id}/care-team", response={201: CareTeamMemberOut, **WRITE_ERRORS},
             summary="Add someone to a care team")
def grant_access(request: HttpRequest, client_id: ClientId, payload: GrantIn) -> Status[dict[str, Any]]:
    """Add a staff member (by `user_id` or `email`) and wrap the client's keys to them.

    `clinical` (default true; false for front desk) grants the clinical record as well as demographics.
    Compare the returned `key_fingerprint` with the one the person sees on their account page.
    """
    vault = caller_vault(request)
    clinical = payload.clinical if payload.clinical is not None else payload.role != "front_desk"
    member = services.grant_access(vault, client_id, user_id=_staff_id(vault, payload.user_id, payload.email),
                                   role=payload.role, clinical=clinical)
    fingerprint = member.user.key_pair.fingerprint
    return Status(201, _member_out(member, fingerprint))


@router.delete("/clients/{client_id}/care-team/{user_id}", response={204: None, **WRITE_ERRORS},
               summary="Remove someone from a care team")
def revoke_access(request: HttpRequest, client_id: ClientId, user_id: UserId) -> HttpResponse:
    """Remove a member: their key wraps are deleted and the keys they held are rotated for future writes."""
    services.revoke_access(caller_vault(request), client_id, user_id=user_id)
    return HttpResponse(status=204)


@router.delete("/clients/{client_id}/care-team", response={204: None, **WRITE_ERRORS},
               summary="Remove someone from a care team (by id or e-mail in the body)")
def revoke_access_by_body(request: HttpRequest, client_id: ClientId, payload: RevokeIn) -> HttpResponse:
    """The same as `DELETE /clients/{client_id}/care-team/{user_id}`, naming the person in a JSON body."""
    vault = caller_vault(request)
    services.revoke_access(vault, client_id, user_id=_staff_id(vault, payload.user_id, payload.email))
    return HttpResponse(status=204)


@router.get("/clients/{client_id}/export", response={200: None, 400: Problem, **ERRORS},
            summary="A copy of the client's record (FHIR R4 Bundle or PDF)",
            description=("The same copy a client receives under their right of access (45 CFR 164.524): "
                         "demographics, sessions, signed progress notes, plan, documents, measures and consent, "
                         "never psychotherapy notes. `format=fhir` answers a FHIR R4 `collection` Bundle "
                         "(`application/fhir+json`), `format=pdf` a PDF. Any other format is a 400. "
                         "For clinicians and owners on the client's care team; the export is in the audit log "
                         "and the client's access history."))
def export_client(request: HttpRequest, client_id: ClientId,
                  format: Annotated[str | None, Query(description="fhir or pdf")] = None,
                  ) -> HttpResponse:
    try:
        content, content_type, filename = export_record(caller_vault(request), client_id, format or "")
    except AccessRightsError as exc:
        # Only after the access check: someone without access gets the same 404 for any format.
        return problem(request, 400, str(exc), errors=[{"detail": "must be fhir or pdf", "parameter": "format"}])
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
