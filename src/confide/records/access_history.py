"""A client's access history: who opened which part of the record, when and why, in plain words.

Each entry comes with its RFC 9162 inclusion proof against the signed tree head of the moment it
was read, so anyone holding the head and the practice's public signing key can check that the
entry is in the log and was not altered (docs/audit-log.md explains how).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from confide.accounts.models import User
from confide.audit.services import read_entries
from confide.auditlog import PurposeOfUse, hash_leaf
from confide.keys.vault import Vault
from confide.records.sealing import client_in_vault

# What each kind of event means to a client, in words a client uses.
WHAT = {
    "record:client:created": "registered you as a client",
    "record:client:read": "opened your chart",
    "record:client:updated": "changed your contact details",
    "record:notes:listed": "looked at the list of your notes",
    "record:note:created": "wrote a progress note",
    "record:note:read": "read a progress note",
    "record:note:updated": "edited a draft progress note",
    "record:note:signed": "signed a progress note",
    "record:note:addended": "added a correction to a progress note",
    "record:psychotherapy_note:created": "wrote a private psychotherapy note",
    "record:psychotherapy_note:read": "read their own psychotherapy note",
    "record:psychotherapy_note:updated": "edited their own psychotherapy note",
    "record:psychotherapy_note:signed": "signed their own psychotherapy note",
    "record:psychotherapy_note:addended": "added to their own psychotherapy note",
    "record:document:uploaded": "added a document",
    "record:document:read": "opened a document",
    "record:documents:listed": "looked at the list of your documents",
    "lifecycle:client:discharged": "recorded the end of your therapy (your discharge)",
    "lifecycle:retention:overridden": "changed how long your record is kept",
    "lifecycle:legal_hold:placed": "placed a legal hold on your record",
    "lifecycle:legal_hold:lifted": "lifted a legal hold on your record",
    "lifecycle:destruction:approved": "approved destroying your record after its retention period",
    "lifecycle:destruction:cancelled": "withdrew the approval to destroy your record",
    "record:integrity:failed": "tried to open a part of your record that failed its integrity check",
    "access:careteam:read": "looked at who is on your care team",
    "access:careteam:granted": "gave someone access to your record",
    "access:careteam:revoked": "removed someone's access to your record",
    "access:recovery:reassigned": "moved your record to another clinician using the practice recovery kit",
    "audit:log:read": "looked at this access history",
    "record:episode:opened": "opened an episode of care",
    "record:episode:closed": "closed an episode of care",
    "record:episodes:listed": "looked at your episodes of care",
    "record:appointment:created": "booked a session",
    "record:appointment:read": "looked at a session",
    "record:appointment:updated": "changed a session",
    "record:appointments:listed": "looked at your sessions",
    "record:plan:read": "read your treatment plan",
    "record:plan:updated": "changed your treatment plan",
    "access:breakglass:opened": "opened your record in an emergency, outside your care team, giving a reason",
    "access:breakglass:ended": "closed their emergency access to your record",
    "access:breakglass:denied": "tried to open your record in an emergency and was refused",
    "access:client:denied": "tried to open a part of your record they hold no key for, and was refused",
    "access:breakglass:reviewed": "reviewed the reason given for an emergency access to your record",
    "access:breakglass:searched": "searched the practice's clients by name to find someone in an emergency",
    "portal:invitation:sent": "invited you to the client portal",
    "portal:invitation:accepted": "created your portal account",
    "portal:recovery:started": "confirmed your identity and sent you a link to set a new password",
    "portal:recovery:password_set": "set a new portal password",
    "portal:recovery:restored": "restored your access to the portal under your new password",
    "consultation:summary:prepared": "prepared a de-identified summary for consultation",
    "consultation:summary:edited": "reviewed a de-identified summary for consultation",
    "consultation:summary:approved": "approved a de-identified summary for consultation",
    "consultation:summary:shared": "shared a de-identified summary for consultation",
    "consultation:link:created": "shared a de-identified summary for consultation",
    "consultation:link:opened": "a consultant opened a de-identified summary shared by link",
    "consultation:summary:read": "read a de-identified summary shared with them for consultation",
    "consultation:reply:added": "replied to a consultation on a de-identified summary",
    "consultation:reply:filed": "filed a consultant's reply into your record",
    "consent:document:read": "read the consent document",
    "consent:document:signed": "signed the consent document",
    "consent:copy:downloaded": "downloaded a signed consent copy",
    "consent:signatures:listed": "looked at your signed consent documents",
    "consent:override:recorded": "signed a note before your current consent, and recorded why",
    "portal:checkin:submitted": "answered a privacy check-in",
    "portal:checkins:read": "looked at your privacy check-ins",
    "disclosure:authorization:created": "recorded an authorization you signed",
    "disclosure:authorization:read": "looked at an authorization you signed",
    "disclosure:authorizations:listed": "looked at your authorizations",
    "disclosure:authorization:revoked": "recorded that you revoked an authorization",
    "disclosure:authorization:expired": "recorded that an authorization of yours expired",
    "disclosure:authorization:prepared": "prepared an authorization for you to read and sign in the portal",
    "disclosure:authorization_request:withdrawn": "withdrew an authorization they had prepared for you to sign",
    "portal:accounting:read": "looked at the list of disclosures of your information",
    "portal:accounting:downloaded": "downloaded the list of disclosures of your information",
    "portal:authorizations:read": "looked at your authorizations to disclose",
    "portal:authorization_request:read": "read an authorization prepared for your signature",
    "portal:authorization:signed": "signed an authorization to disclose information",
    "portal:authorization:revoked": "revoked an authorization to disclose information",
    "disclosure:part2_flag:changed": "changed how your substance use records are protected",
    "disclosure:packet:created": "prepared records to release under your authorization",
    "disclosure:authorized:made": "released records under your authorization",
    "disclosure:release_link:created": "sent a secure link to released records",
    "disclosure:release_link:opened": "opened records released to them",
    "disclosure:release_link:refused": "tried to open released records and was refused",
    "disclosure:emergency:drafted": "documented a disclosure required by law or an emergency",
    "disclosure:emergency:read": "looked at a disclosure required by law or an emergency",
    "disclosure:emergency:made": "recorded a disclosure required by law or an emergency",
    "disclosure:court_request:created": "recorded a court order or subpoena for your records",
    "disclosure:court_request:updated": "recorded the outcome of a court order or subpoena",
    "disclosure:court:made": "released records under a court order or subpoena",
    "disclosure:other:made": "recorded a disclosure of your information",
    "disclosure:record:read": "looked at the record of disclosures",
    "disclosure:accounting:read": "looked at your accounting of disclosures",
    "message:message:sent": "sent a message",
    "message:thread:read": "read your messages",
    "message:attachment:read": "opened a file attached to a message",
    "message:message:filed": "filed a message into your clinical record",
    "message:messages:destroyed": "destroyed messages older than the practice's messaging period",
    "portal:reminders:changed": "changed your appointment reminder choices",
    "portal:access_request:created": "asked for a copy of your record",
    "portal:access_requests:read": "looked at your requests for a copy of your record",
    "portal:record_copy:downloaded": "downloaded a copy of your record",
    "portal:access_review:requested": "asked for a review of a decision to deny a copy of your record",
    "portal:amendment_request:created": "asked for a change to your record",
    "access:access_request:read": "looked at your requests for a copy of your record",
    "access:access_request:fulfilled": "made a copy of your record and delivered it to your portal",
    "access:access_request:denied": "denied your request for a copy of your record, giving the ground",
    "access:access_request:extended": "extended the time to answer your request for a copy of your record",
    "access:amendment_request:answered": "answered your request for a change to your record",
    "record:export:created": "exported a copy of your record",
}
WHY = {
    PurposeOfUse.TREATMENT.value: "your care",
    PurposeOfUse.EMERGENCY_TREATMENT.value: "an emergency",
    PurposeOfUse.OPERATIONS.value: "running the practice",
    PurposeOfUse.PAYMENT.value: "billing",
    PurposeOfUse.PATIENT_REQUEST.value: "your request",
    PurposeOfUse.LEGAL.value: "a legal requirement",
}


# Shown instead of a history that failed its integrity or completeness check (ADR 0014b).
INTEGRITY_MESSAGE = "The access record did not pass its integrity check, so it is not shown. Please tell the practice."


@dataclass(frozen=True)
class AccessEntry:
    """One access, described for a client, with what is needed to check it."""

    at: datetime
    who: str
    what: str
    why: str
    outcome: str
    tag: str
    position: int
    leaf_hash: str
    proof: list[str]
    # The entry's exact bytes (base64): who/what/why/when as signed, so that a client can tie the
    # plain words to the proven leaf hash (SHA-256 of 0x00 and these bytes).
    entry: str = ""


@dataclass(frozen=True)
class AccessHistory:
    head_text: str
    tree_size: int
    entries: list[AccessEntry]


def describe_actor(actor_id: str, names: dict[str, str]) -> str:
    """A staff member's name and role, or a plain description of a system actor."""
    if actor_id == "recovery-kit":
        return "The practice, using its recovery kit"
    if actor_id == "system:messaging-period":
        return "Confide, at the end of the practice's messaging period"
    if actor_id.startswith("release-link:"):
        return "The recipient of a release link"
    return names.get(actor_id, "A former staff member")


def access_history(vault: Vault, client_id: uuid.UUID | str, *, limit: int = 200) -> AccessHistory:
    """The accesses to a client's record, newest first, each with its inclusion proof.

    Reading the history is itself logged (`audit:log:read`) before anything is returned.
    """
    client = client_in_vault(vault, client_id)
    excerpt = read_entries(actor_id=f"user:{vault.person_id}", purpose=PurposeOfUse.TREATMENT,
                           client_id=str(client.public_id), limit=limit)
    actor_ids = {e.event.actor_id for e in excerpt.entries if e.event.actor_id.startswith("user:")}
    users = User.objects.filter(pk__in=[int(a.split(":", 1)[1]) for a in actor_ids]).select_related("membership")
    names = {}
    for user in users:
        if not hasattr(user, "membership") and hasattr(user, "client_account"):
            names[f"user:{user.pk}"] = "The client, in the portal"
            continue
        role = user.membership.get_role_display().lower() if hasattr(user, "membership") else "staff"
        names[f"user:{user.pk}"] = f"{user.display_name or user.email} ({role})"
    entries = [
        AccessEntry(
            at=e.event.occurred_at, who=describe_actor(e.event.actor_id, names),
            what=WHAT.get(e.event.tag, e.event.tag), why=WHY.get(e.event.purpose, e.event.purpose),
            outcome=str(e.event.outcome), tag=e.event.tag, position=e.position,
            leaf_hash=hash_leaf(e.entry).hex(), proof=[base64.b64encode(p).decode("ascii") for p in e.proof],
            entry=base64.b64encode(e.entry).decode("ascii"),
        )
        for e in excerpt.entries
    ]
    return AccessHistory(head_text=excerpt.head.to_text(), tree_size=excerpt.head.size, entries=entries)
