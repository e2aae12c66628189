"""A client's access history: who opened which part of the record, when and why, in plain words.

Each entry comes with its RFC 9162 inclusion proof against the signed tree head of the moment it
was read, so anyone holding the head and the practice's public signing key can check that the
entry is in the log and was not altered (docs/audit-log.md explains how). Every page, the newest
and each older one, is checked complete against the client links in the signed entries (ADR
0014b): a page with an entry left out is refused, never shown incomplete.

For reading, entries are grouped into visits (one person's accesses close together in time,
"opened your chart: plan, sessions, care team"), filtered by person and kind, and the client's
own actions are folded away unless asked for (`present`). Grouping reads only the tag of each
entry (`kind:resource:action`), so a tag added later is grouped and filtered like the others.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from confide.accounts.models import User
from confide.audit.services import LogExcerpt, older_than, read_entries, read_whole_client_history
from confide.auditlog import PurposeOfUse, hash_leaf
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.practice.models import Membership, Role
from confide.records.auditing import purpose_of_use
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
    "portal:retention:read": "looked at how long your record is kept",
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
    "telehealth:room:opened": "opened the room of your video session",
    "telehealth:privacy_check:recorded": "answered the privacy check before your video session",
    "telehealth:privacy_check:read": "read your privacy check before your video session",
    "telehealth:session:joined": "joined your video session",
    "telehealth:session:left": "left your video session",
    "telehealth:client:admitted": "let you in from the waiting room of your video session",
    "telehealth:session:ended": "ended your video session",
    "measure:assignment:changed": "sent a form or questionnaire to your portal, or stopped one",
    "measure:measure:submitted": "answered a questionnaire",
    "measure:intake:submitted": "completed the intake forms",
    "measure:submissions:read": "looked at your questionnaires and intake forms",
    "measure:submission:reviewed": "reviewed a questionnaire or intake form you completed",
    "measure:trend_share:changed": "changed whether your questionnaire results are shared with you",
    "portal:measures:read": "looked at your questionnaire results",
    "portal:document:uploaded": "uploaded a document",
    "portal:appointments:read": "looked at your upcoming appointments",
    "record:calendar:read": "looked at the calendar, where your sessions are",
    "portal:access_request:created": "asked for a copy of your record",
    "portal:access_requests:read": "looked at your requests for a copy of your record",
    "portal:record_copy:downloaded": "downloaded a copy of your record",
    "portal:access_review:requested": "asked for a review of a decision to deny a copy of your record",
    "portal:amendment_request:created": "asked for a change to your record",
    "access:access_request:read": "looked at your requests for a copy of your record",
    "access:access_requests:listed": "looked at the practice's list of open requests for copies, where yours is",
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


# What each part of the record is called when a visit lists what was looked at, by the tag's
# middle word. A tag not named here is listed by its own word ("telehealth_session" → "telehealth session").
PARTS = {
    "client": "your details",
    "notes": "notes",
    "note": "a progress note",
    "psychotherapy_note": "a psychotherapy note",
    "plan": "plan",
    "appointments": "sessions",
    "appointment": "a session",
    "careteam": "care team",
    "episodes": "episodes of care",
    "episode": "an episode of care",
    "documents": "documents",
    "document": "a document",
    "thread": "messages",
    "attachment": "a message attachment",
    "signatures": "consent documents",
    "authorizations": "authorizations",
    "authorization": "an authorization",
    "accounting": "the list of disclosures",
    "retention": "how long your record is kept",
    "checkins": "privacy check-ins",
    "log": "this access history",
    "emergency": "a disclosure required by law or an emergency",
    "record": "the record of disclosures",
    "summary": "a consultation summary",
}

# The kinds a history can be filtered by: the tag's first word.
KINDS = {
    "record": "Record and sessions",
    "access": "Access and care team",
    "audit": "Access history",
    "consent": "Consent",
    "disclosure": "Disclosures",
    "portal": "Portal",
    "message": "Messages",
    "lifecycle": "Retention and discharge",
    "consultation": "Consultation",
}

# What front desk may see of a history: entries about the administrative record only (their
# key opens demographics and scheduling, never the clinical record). An allow-list, so that a
# tag added later (a disclosure kind, telehealth) is hidden from them until someone decides.
ADMINISTRATIVE_TAGS = frozenset({
    "record:client:created", "record:client:read", "record:client:updated",
    "record:appointment:created", "record:appointment:read", "record:appointment:updated",
    "record:appointments:listed",
    "access:careteam:read", "access:careteam:granted", "access:careteam:revoked",
    "portal:invitation:sent", "portal:invitation:accepted", "portal:reminders:changed",
    "audit:log:read",
})

# Refused attempts: shown to the owner (who acts on them) and to the client, not to other staff.
DENIED_TAGS = frozenset({"access:client:denied", "access:breakglass:denied"})

# Accesses by one person less than this far apart are one visit.
VISIT_GAP = timedelta(minutes=30)

# Shown instead of a history that failed its integrity or completeness check (ADR 0014b).
INTEGRITY_MESSAGE = "The access record did not pass its integrity check, so it is not shown. Please tell the practice."

DEFAULT_PAGE = 200


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
    actor: str = ""
    purpose: str = ""
    own: bool = False

    @property
    def kind(self) -> str:
        return self.tag.split(":", 1)[0]

    @property
    def part(self) -> str:
        parts = self.tag.split(":")
        word = parts[1] if len(parts) == 3 else self.tag
        return PARTS.get(word, word.replace("_", " "))

    @property
    def is_look(self) -> bool:
        """A read that changed nothing (the tag ends in read or listed)."""
        return self.tag.endswith((":read", ":listed")) and self.outcome == "success"


@dataclass(frozen=True)
class AccessHistory:
    """A page of a client's history (newest first), checked complete down to its last entry."""

    head_text: str
    tree_size: int
    entries: list[AccessEntry]
    # The `before` of the next older page, or None when this page reaches the client's first entry.
    older: int | None = None
    # Entries on this page not shown to this reader (front desk: the clinical record's).
    withheld: int = 0


def parse_before(raw: str) -> int | None:
    """The `before` of an older page as given in a query string; `ValueError` if it is not a position."""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 19:
        raise ValueError("before must be a position in the log")
    return int(raw)


def describe_actor(actor_id: str, names: dict[str, str]) -> str:
    """A staff member's name and role, or a plain description of a system actor."""
    if actor_id == "recovery-kit":
        return "The practice, using its recovery kit"
    if actor_id == "system:messaging-period":
        return "Confide, at the end of the practice's messaging period"
    if actor_id.startswith("release-link:"):
        return "The recipient of a release link"
    return names.get(actor_id, "A former staff member")


def staff_names(actor_ids: set[str], *, client_name: str = "The client, in the portal") -> dict[str, str]:
    """Names and roles of the staff among `actor_ids`; a client's portal account as `client_name`."""
    users = User.objects.filter(pk__in=[int(a.split(":", 1)[1]) for a in actor_ids if a.startswith("user:")
                                        and a.split(":", 1)[1].isdigit()]).select_related("membership")
    names = {}
    for user in users:
        if not hasattr(user, "membership") and hasattr(user, "client_account"):
            names[f"user:{user.pk}"] = client_name
            continue
        role = user.membership.get_role_display().lower() if hasattr(user, "membership") else "staff"
        names[f"user:{user.pk}"] = f"{user.display_name or user.email} ({role})"
    return names


def client_actor_ids(actor_ids: set[str]) -> set[str]:
    """Which of `actor_ids` are clients' portal accounts (their own actions)."""
    pks = [int(a.split(":", 1)[1]) for a in actor_ids if a.startswith("user:") and a.split(":", 1)[1].isdigit()]
    return {f"user:{pk}" for pk in User.objects.filter(pk__in=pks, client_account__isnull=False,
                                                        membership__isnull=True).values_list("pk", flat=True)}


def what_of(tag: str) -> str:
    """What an event means to a client; a tag not described yet is written out in its own words."""
    return WHAT.get(tag, tag.replace(":", " ").replace("_", " "))


def describe(excerpt: LogExcerpt, names: dict[str, str], own: set[str]) -> list[AccessEntry]:
    """The excerpt's entries in plain words; `own` names the actors whose entries are the client's own."""
    return [
        AccessEntry(
            at=e.event.occurred_at, who=describe_actor(e.event.actor_id, names),
            what=what_of(e.event.tag),
            why=WHY.get(e.event.purpose, e.event.purpose),
            outcome=str(e.event.outcome), tag=e.event.tag, position=e.position,
            leaf_hash=hash_leaf(e.entry).hex(), proof=[base64.b64encode(p).decode("ascii") for p in e.proof],
            entry=base64.b64encode(e.entry).decode("ascii"), actor=e.event.actor_id, purpose=e.event.purpose,
            own=e.event.actor_id in own,
        )
        for e in excerpt.entries
    ]


def _staff_level(vault: Vault, client_pk: int) -> tuple[bool, bool]:
    """(sees the whole history, sees refused attempts) for this staff member."""
    owner = Membership.objects.filter(user_id=vault.person_id, role=Role.OWNER, user__is_active=True).exists()
    clinical = owner or vault.holds(client_pk, ScopeKeyVersion.Scope.CLINICAL)
    return clinical, owner


def access_history(vault: Vault, client_id: uuid.UUID | str, *, before: int | None = None,
                   limit: int = DEFAULT_PAGE) -> AccessHistory:
    """A page of the accesses to a client's record, newest first, each with its inclusion proof.

    For the care team and the owner: the whole history, refused attempts for the owner only.
    Front desk, who hold the administrative key only, see the entries about the administrative
    record (`ADMINISTRATIVE_TAGS`); the rest is counted in `withheld`, never described. `before`
    asks for an older page (`AccessHistory.older` of the page before). The page is checked
    complete before anything is filtered (`LogIntegrityError` otherwise). Reading the history is
    itself logged (`audit:log:read`) before anything is returned.
    """
    client = client_in_vault(vault, client_id)
    whole, sees_denied = _staff_level(vault, client.pk)
    # The care team reads it for the client's care, the owner outside it for running the practice,
    # a holder under break-glass for the emergency (`purpose_of_use`).
    purpose = purpose_of_use(vault, client)
    excerpt = read_entries(actor_id=f"user:{vault.person_id}", purpose=purpose,
                           client_id=str(client.public_id), limit=limit, before=before)
    actors = {e.event.actor_id for e in excerpt.entries}
    entries = describe(excerpt, staff_names(actors), client_actor_ids(actors))
    shown = [e for e in entries
             if (whole or e.tag in ADMINISTRATIVE_TAGS) and (sees_denied or e.tag not in DENIED_TAGS)]
    return AccessHistory(head_text=excerpt.head.to_text(), tree_size=excerpt.head.size, entries=shown,
                         older=older_than(excerpt.entries), withheld=len(entries) - len(shown))


def whole_history_for_client(client_public_id: str, actor_id: str, names: dict[str, str]) -> AccessHistory:
    """Every entry about the client, for the client's own download (the read is logged once)."""
    excerpt = read_whole_client_history(actor_id=actor_id, purpose=PurposeOfUse.PATIENT_REQUEST,
                                        client_id=client_public_id)
    actors = {e.event.actor_id for e in excerpt.entries}
    entries = describe(excerpt, {**staff_names(actors), **names}, {actor_id})
    return AccessHistory(head_text=excerpt.head.to_text(), tree_size=excerpt.head.size, entries=entries)


# ----------------------------------------------------------------------------- reading a history


@dataclass(frozen=True)
class Visit:
    """One person's accesses close together in time, oldest first, summed up in one line."""

    who: str
    at: datetime
    summary: str
    why: str
    own: bool
    entries: list[AccessEntry]

    @property
    def refused(self) -> bool:
        return any(e.outcome != "success" for e in self.entries)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass
class HistoryView:
    """A page of history as read: visits, the filters offered and chosen, and what is folded away."""

    visits: list[Visit]
    people: list[Choice]
    kinds: list[Choice]
    who: str = ""
    kind: str = ""
    show_own: bool = False
    own_hidden: int = 0
    filtered_out: int = 0
    entries: list[AccessEntry] = field(default_factory=list)


def summarize(entries: Sequence[AccessEntry]) -> str:
    """What a visit did, in one phrase ("opened your chart: plan, sessions, care team")."""
    if len(entries) == 1:
        return entries[0].what
    opened_chart = any(e.tag == "record:client:read" for e in entries)
    looked = _unique(e.part for e in entries if e.is_look and e.tag != "record:client:read")
    did = _unique(e.what for e in entries if not e.is_look)
    if not did:
        if opened_chart:
            return "opened your chart" + (": " + ", ".join(looked) if looked else "")
        return "looked at " + ", ".join(looked)
    text = "; ".join(did)
    if opened_chart:
        text = "opened your chart and " + text
    if looked:
        text += "; looked at " + ", ".join(looked)
    return text


def _unique(items: object) -> list[str]:
    seen: list[str] = []
    for item in items:  # type: ignore[attr-defined]
        if item not in seen:
            seen.append(str(item))
    return seen


def group_visits(entries: Sequence[AccessEntry]) -> list[Visit]:
    """Group a newest-first history into visits, newest first.

    A visit is a run of entries by the same person for the same purpose, each less than
    `VISIT_GAP` after the one before it; a refused attempt is a visit of its own.
    """
    runs: list[list[AccessEntry]] = []
    for entry in sorted(entries, key=lambda e: e.position):
        run = runs[-1] if runs else None
        if (run is not None and run[-1].actor == entry.actor and run[-1].purpose == entry.purpose
                and entry.outcome == "success" and run[-1].outcome == "success"
                and entry.at - run[-1].at < VISIT_GAP):
            run.append(entry)
        else:
            runs.append([entry])
    visits = [Visit(who=run[0].who, at=run[0].at, summary=summarize(run), why=run[0].why, own=run[0].own,
                    entries=run) for run in runs]
    return visits[::-1]


def present(history: AccessHistory, *, who: str = "", kind: str = "", show_own: bool = False) -> HistoryView:
    """The page as people read it: filtered by person (`who`, an actor) and `kind`, grouped into visits.

    The client's own actions are folded away unless `show_own` (or unless the filter asks for
    them by person). Filters apply after the completeness check, to the entries of this page.
    """
    entries = history.entries
    people = sorted({(e.actor, e.who) for e in entries}, key=lambda p: p[1].lower())
    kinds = sorted({e.kind for e in entries})
    chosen = [e for e in entries if (not who or e.actor == who) and (not kind or e.kind == kind)]
    filtered_out = len(entries) - len(chosen)
    own_hidden = 0
    if not show_own and not who:
        own_hidden = sum(1 for e in chosen if e.own)
        chosen = [e for e in chosen if not e.own]
    return HistoryView(
        visits=group_visits(chosen),
        people=[Choice(actor, name) for actor, name in people],
        kinds=[Choice(k, KINDS.get(k, k.replace("_", " ").capitalize())) for k in kinds],
        who=who, kind=kind, show_own=show_own, own_hidden=own_hidden, filtered_out=filtered_out, entries=chosen,
    )
