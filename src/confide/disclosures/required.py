"""Legally required and emergency disclosures, and court orders or subpoenas.

The emergency workflow is a guided, multi-step form whose answers are kept, sealed, on a draft
`Disclosure` until the clinician records it: the risk (threat, who is at risk, imminence, means,
history), the jurisdiction's rule with its citation and verification status, the consultation,
what was disclosed (minimum necessary), to whom and how, and whether the client was told.
Confide gives decision support, never legal advice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from confide import jurisdictions
from confide.audit.tags import Tag
from confide.disclosures.authorizations import DisclosureError, _clinical_staff
from confide.disclosures.client_side import after_disclosure
from confide.disclosures.models import CourtRequest, Disclosure
from confide.disclosures.records import get_disclosure, open_disclosure_content, seal_disclosure
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.practice.models import Practice
from confide.records import care
from confide.records.auditing import audit
from confide.records.errors import NotFoundError
from confide.records.sealing import client_in_vault, field_context, open_value, seal_value

Scope = ScopeKeyVersion.Scope

EMERGENCY_BASES = (Disclosure.Basis.DUTY_TO_WARN, Disclosure.Basis.MANDATORY_REPORT, Disclosure.Basis.EMERGENCY)
STEPS = ("risk", "rule", "disclosure", "client", "review")
STEP_TITLES = {
    "risk": "Risk", "rule": "Law and consultation", "disclosure": "What, to whom and how",
    "client": "Telling the client", "review": "Review and record",
}
IMMINENCE = {
    "imminent": "Imminent (hours)", "soon": "Soon (days)", "unclear": "Unclear", "not_imminent": "Not imminent",
}
RECIPIENT_TYPES = {
    "police": "Police or law enforcement", "person_at_risk": "The person at risk",
    "child_protective_services": "Child protective services", "adult_protective_services": "Adult protective services",
    "court": "A court", "crisis_team": "Crisis team or hospital",
}
METHODS = {"phone": "By phone", "in_person": "In person", "written": "In writing"}
DISCLOSED_ITEMS = {
    "identity": "The client's name and identifying details",
    "contact": "The client's contact details or whereabouts",
    "threat": "The nature of the threat",
    "victim": "Who is at risk",
    "risk_factors": "Risk factors (means, history)",
    "diagnosis": "Diagnosis",
    "treatment": "Treatment information",
}
CLIENT_TOLD = {"yes": "Yes, the client was told", "later": "Not yet: the client will be told",
               "no": "No, the client will not be told"}
MAX_TEXT = 4000
MAX_LINE = 300


class IncompleteStepError(DisclosureError):
    """A workflow step misses answers: one message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


@dataclass(frozen=True)
class ShownRule:
    """A jurisdiction rule as shown to the clinician (and kept with the disclosure)."""

    title: str
    summary: str
    citation: str
    status: str
    source_url: str
    pack: str = ""
    quote: str = ""
    authority: str = ""


@dataclass(frozen=True)
class WhichLaw:
    """Whose rules the workflow shows, and why, in one sentence for the clinician."""

    code: str | None
    name: str
    reason: str


def rule_topics(basis: str) -> tuple[str, ...]:
    if basis == Disclosure.Basis.MANDATORY_REPORT:
        return ("child_abuse_reporting", "elder_abuse_reporting")
    return ("duty_to_warn", "serious_threat")


def rule_topic(basis: str) -> str:
    """The main topic of a kind of disclosure (kept for callers that show one)."""
    return rule_topics(basis)[0]


def _applicable_pack(practice: Practice, location: str) -> tuple[Any, Any]:
    """(the pack whose rules apply, the practice's own pack); either may be None."""
    own = jurisdictions.practice_pack(practice)
    if location and (own is None or location != getattr(own, "code", None)):
        try:
            return jurisdictions.load_pack(location), own
        except jurisdictions.PackError:
            pass  # a location Confide no longer has a pack for: the practice's rules, as before
    return own, own


def which_law(practice: Practice, location: str = "") -> WhichLaw:
    """The jurisdiction whose rules apply: where the client is, when it differs from the practice's.

    `location` is the pack code recorded on the client's latest session ("" when none was recorded).
    """
    pack, own = _applicable_pack(practice, location)
    if pack is None:
        return WhichLaw(None, "", "The practice has not chosen its jurisdiction.")
    name = str(getattr(pack, "name", ""))
    if pack is not own:
        here = str(getattr(own, "name", "")) if own is not None else "no jurisdiction chosen"
        return WhichLaw(pack.code, name, f"These are the rules of {name}, where the client was at their latest "
                                         f"session (the practice: {here}). Where the client is usually decides "
                                         "which law applies; check with counsel.")
    return WhichLaw(getattr(pack, "code", None), name, f"These are the rules of {name or 'the practice'}, the "
                    "practice's jurisdiction; no other location is recorded for the client's latest session.")


def jurisdiction_rules(practice: Practice, basis: str, *, location: str = "") -> list[ShownRule] | None:
    """The rules for this kind of disclosure, or None when no jurisdiction pack applies.

    The pack is the client's location's when the latest session records one that differs from the
    practice's (see `which_law`), else the practice's. Its absence is shown, not hidden.
    """
    pack, _ = _applicable_pack(practice, location)
    if pack is None:
        return None
    return [ShownRule(title=str(r.title), summary=str(r.summary), citation=str(r.citation), status=str(r.status),
                      source_url=str(r.source_url or ""), pack=str(getattr(r, "pack_code", "")),
                      quote=str(getattr(r, "quote", None) or ""), authority=str(getattr(r, "authority_text", "")))
            for topic in rule_topics(basis) for r in pack.rules_for(topic)]


def client_location(vault: Vault, client_id: uuid.UUID | str) -> str:
    """The pack code recorded for where the client was at their latest session ("" when none)."""
    client = client_in_vault(vault, client_id)
    return care.latest_client_location(vault, client)[0]


def pack_confirmed(practice: Practice) -> bool:
    """Whether the practice owner reviewed and confirmed the practice's current jurisdiction pack."""
    return jurisdictions.pack_confirmed(practice)


def _clean(value: Any, label: str, limit: int, errors: dict[str, str], name: str, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[name] = f"{label} is required."
    elif len(text) > limit:
        errors[name] = f"{label} is longer than {limit} characters."
    return text


def _choice(value: Any, choices: dict[str, str], message: str, errors: dict[str, str], name: str) -> str:
    text = str(value or "")
    if text not in choices:
        errors[name] = message
    return text


def _when(value: Any, label: str, errors: dict[str, str], name: str, *, required: bool) -> str:
    if value in (None, ""):
        if required:
            errors[name] = f"{label} is required."
        return ""
    if not isinstance(value, dt.datetime):
        errors[name] = f"{label} must be a date and time."
        return ""
    aware = value if timezone.is_aware(value) else timezone.make_aware(value)
    if aware > timezone.now() + dt.timedelta(minutes=5):
        errors[name] = f"{label} cannot be in the future."
    return aware.isoformat()


def clean_step(step: str, data: dict[str, Any], *, basis: str) -> dict[str, Any]:
    """Check one step's answers; return them normalised or raise `IncompleteStepError`."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if step == "risk":
        out["threat"] = _clean(data.get("threat"), "The threat", MAX_TEXT, errors, "threat", required=True)
        out["victim"] = _clean(data.get("victim"), "Who is at risk", MAX_TEXT, errors, "victim", required=True)
        out["imminence"] = _choice(data.get("imminence"), IMMINENCE, "Say how imminent the danger is.", errors,
                                   "imminence")
        out["means"] = _clean(data.get("means"), "Means", MAX_TEXT, errors, "means", required=True)
        out["history"] = _clean(data.get("history"), "History", MAX_TEXT, errors, "history", required=False)
    elif step == "rule":
        out["rule_reviewed"] = bool(data.get("rule_reviewed"))
        if not out["rule_reviewed"]:
            errors["rule_reviewed"] = "Confirm that you read the rule that applies where you practise."
        out["consulted"] = bool(data.get("consulted"))
        if out["consulted"]:
            out["consultant"] = _clean(data.get("consultant"), "Who you consulted", MAX_LINE, errors, "consultant",
                                       required=True)
            out["consulted_at"] = _when(data.get("consulted_at"), "When you consulted", errors, "consulted_at",
                                        required=True)
            out["advice"] = _clean(data.get("advice"), "The advice", MAX_TEXT, errors, "advice", required=True)
        else:
            out["no_consultation_reason"] = _clean(
                data.get("no_consultation_reason"), "Why no one was consulted", MAX_TEXT, errors,
                "no_consultation_reason", required=True)
    elif step == "disclosure":
        out["recipient_type"] = _choice(data.get("recipient_type"), RECIPIENT_TYPES, "Choose who was told.", errors,
                                        "recipient_type")
        out["recipient_name"] = _clean(data.get("recipient_name"), "The recipient's name", MAX_LINE, errors,
                                       "recipient_name", required=True)
        out["recipient_address"] = _clean(data.get("recipient_address"), "The recipient's address or number",
                                          MAX_LINE, errors, "recipient_address", required=False)
        out["method"] = _choice(data.get("method"), METHODS, "Choose how the disclosure was made.", errors, "method")
        out["disclosed_at"] = _when(data.get("disclosed_at"), "When the disclosure was made", errors,
                                    "disclosed_at", required=True)
        items = [str(i) for i in (data.get("items") or [])]
        if not items:
            errors["items"] = "Choose what was disclosed: only what the recipient needed to act."
        elif any(i not in DISCLOSED_ITEMS for i in items):
            errors["items"] = "Choose what was disclosed from the list."
        out["items"] = list(dict.fromkeys(items))
        out["details"] = _clean(data.get("details"), "What was said", MAX_TEXT, errors, "details", required=True)
    elif step == "client":
        out["client_told"] = _choice(data.get("client_told"), CLIENT_TOLD, "Say whether the client was told.",
                                     errors, "client_told")
        if out["client_told"] == "yes":
            out["told_at"] = _when(data.get("told_at"), "When the client was told", errors, "told_at", required=True)
        elif out["client_told"] in ("no", "later"):
            out["not_told_reason"] = _clean(data.get("not_told_reason"), "Why the client was not told",
                                            MAX_TEXT, errors, "not_told_reason", required=True)
    elif step == "review":
        if not data.get("confirm"):
            errors["confirm"] = "Confirm that this record is accurate and complete."
    else:
        raise DisclosureError("Unknown step.")
    if errors:
        raise IncompleteStepError(errors)
    return out


@dataclass(frozen=True)
class EmergencyDraft:
    disclosure: Disclosure
    answers: dict[str, Any]

    @property
    def next_step(self) -> str:
        return STEPS[min(self.disclosure.step, len(STEPS) - 1)]

    @property
    def recorded(self) -> bool:
        return self.disclosure.status == Disclosure.Status.RECORDED


@transaction.atomic
def start_emergency_disclosure(vault: Vault, client_id: uuid.UUID | str, *, basis: str) -> Disclosure:
    """Open a draft of a legally required or emergency disclosure (duty to warn, mandatory report, emergency)."""
    client = _clinical_staff(vault, client_id)
    if basis not in EMERGENCY_BASES:
        raise IncompleteStepError({"basis": "Choose duty to warn or protect, a mandatory report or an emergency."})
    disclosure = Disclosure(client=client, basis=basis, status=Disclosure.Status.DRAFT, made_by_id=vault.user_id,
                            step=0, content=b"")
    seal_disclosure(vault, disclosure, {"basis": basis})
    disclosure.save()
    audit(vault, Tag.EMERGENCY_DRAFTED, client)
    return disclosure


def _emergency(vault: Vault, client_id: uuid.UUID | str, disclosure_id: uuid.UUID | str) -> Disclosure:
    disclosure = get_disclosure(vault, client_id, disclosure_id)
    if disclosure.basis not in EMERGENCY_BASES:
        raise NotFoundError
    if disclosure.status == Disclosure.Status.DRAFT and disclosure.made_by_id != vault.user_id:
        raise NotFoundError  # a draft is its author's until recorded
    return disclosure


def open_emergency(vault: Vault, client_id: uuid.UUID | str, disclosure_id: uuid.UUID | str) -> EmergencyDraft:
    """A draft or recorded emergency disclosure with its answers (audited)."""
    _clinical_staff(vault, client_id)
    disclosure = _emergency(vault, client_id, disclosure_id)
    answers = open_disclosure_content(vault, disclosure)
    audit(vault, Tag.EMERGENCY_READ, disclosure.client)
    return EmergencyDraft(disclosure=disclosure, answers=answers)


def _summary(basis: str, answers: dict[str, Any]) -> tuple[str, str]:
    """The accounting's description and purpose of an emergency disclosure."""
    shown = answers.get("rule", {}).get("rules_shown") or []
    citation = "; ".join(r["citation"] for r in shown if r.get("citation"))
    purpose = Disclosure.Basis(basis).label + (f" ({citation})" if citation else "")
    items = answers.get("disclosure", {}).get("items", [])
    description = "; ".join(DISCLOSED_ITEMS[i] for i in items if i in DISCLOSED_ITEMS)
    method = METHODS.get(answers.get("disclosure", {}).get("method", ""), "")
    return f"{description} ({method.lower()})" if method else description, purpose


@transaction.atomic
def save_emergency_step(vault: Vault, client_id: uuid.UUID | str, disclosure_id: uuid.UUID | str, step: str,
                        data: dict[str, Any]) -> EmergencyDraft:
    """Save one step of the workflow. The last step ("review", with `confirm`) records the disclosure.

    Steps are taken in order; an earlier step may be changed until the disclosure is recorded.
    Recording writes `disclosure:emergency:made` in the same transaction.
    """
    _clinical_staff(vault, client_id)
    found = _emergency(vault, client_id, disclosure_id)
    disclosure = Disclosure.objects.select_for_update().select_related("client").get(pk=found.pk)
    if disclosure.status != Disclosure.Status.DRAFT:
        raise DisclosureError("This disclosure is recorded and can no longer be changed.")
    if step not in STEPS:
        raise NotFoundError
    index = STEPS.index(step)
    if index > disclosure.step:
        raise DisclosureError("Complete the earlier steps first.")
    answers = open_disclosure_content(vault, disclosure)
    cleaned = clean_step(step, data, basis=disclosure.basis)
    if step == "rule":
        practice = Practice.objects.get(pk=disclosure.client.practice_id)
        location = care.latest_client_location(vault, disclosure.client)[0]
        rules = jurisdiction_rules(practice, disclosure.basis, location=location)
        law = which_law(practice, location)
        cleaned["rules_shown"] = [r.__dict__ for r in rules] if rules else []
        cleaned["jurisdiction"] = {"code": law.code, "reason": law.reason}
    if step != "review":
        answers[step] = cleaned
    disclosure.step = max(disclosure.step, index + 1)
    disclosure.version += 1
    tag = Tag.EMERGENCY_DRAFTED
    if step == "review":
        missing = [STEP_TITLES[s] for s in STEPS[:-1] if s not in answers]
        if missing:
            raise DisclosureError("Complete these steps first: " + ", ".join(missing) + ".")
        description, purpose = _summary(disclosure.basis, answers)
        when = answers["disclosure"]["disclosed_at"]
        disclosure.disclosed_at = dt.datetime.fromisoformat(when)
        disclosure.status = Disclosure.Status.RECORDED
        answers |= {"recipient_name": answers["disclosure"]["recipient_name"],
                    "recipient_address": answers["disclosure"].get("recipient_address", ""),
                    "description": description, "purpose": purpose, "recorded_at": timezone.now().isoformat()}
        tag = Tag.EMERGENCY_MADE
    seal_disclosure(vault, disclosure, answers)
    disclosure.save()
    audit(vault, tag, disclosure.client)
    if disclosure.status == Disclosure.Status.RECORDED:
        after_disclosure(vault, disclosure.client)
    return EmergencyDraft(disclosure=disclosure, answers=answers)


# ----------------------------------------------------------------------------- court orders and subpoenas


def _court_context(request: CourtRequest, version: int) -> Any:
    return field_context(request.client, "court-request", str(request.public_id), "content", version, Scope.CLINICAL)


@dataclass(frozen=True)
class OpenedCourtRequest:
    request: CourtRequest
    court: str
    reference: str
    requested_by: str
    requested: str
    notes: str
    outcome_notes: str = ""

    @property
    def overdue(self) -> bool:
        return self.request.outcome == CourtRequest.Outcome.PENDING and self.request.deadline < timezone.localdate()


def _court_text(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    out = {
        "court": _clean(data.get("court"), "The court", MAX_LINE, errors, "court", required=True),
        "reference": _clean(data.get("reference"), "The case number", MAX_LINE, errors, "reference", required=False),
        "requested_by": _clean(data.get("requested_by"), "Who asks", MAX_LINE, errors, "requested_by",
                               required=True),
        "requested": _clean(data.get("requested"), "What is asked for", MAX_TEXT, errors, "requested",
                            required=True),
        "notes": _clean(data.get("notes"), "Notes", MAX_TEXT, errors, "notes", required=False),
    }
    if errors:
        raise IncompleteStepError(errors)
    return out


@transaction.atomic
def create_court_request(vault: Vault, client_id: uuid.UUID | str, *, received_on: dt.date, deadline: dt.date,
                         data: dict[str, Any]) -> CourtRequest:
    """Record a court order or subpoena for a client's records, with its deadline."""
    client = _clinical_staff(vault, client_id)
    content = _court_text(data)
    if received_on > timezone.localdate():
        raise IncompleteStepError({"received_on": "The date received cannot be in the future."})
    if deadline < received_on:
        raise IncompleteStepError({"deadline": "The deadline must be on or after the date received."})
    request = CourtRequest(client=client, received_on=received_on, deadline=deadline, created_by_id=vault.user_id,
                           content=b"")
    request.content = seal_value(vault.current_key(client.pk, Scope.CLINICAL), content, _court_context(request, 1))
    request.save()
    audit(vault, Tag.COURT_REQUEST_CREATED, client)
    return request


def list_court_requests(vault: Vault, client_id: uuid.UUID | str) -> list[OpenedCourtRequest]:
    """A client's court orders and subpoenas, soonest deadline first (read within the disclosures page)."""
    client = _clinical_staff(vault, client_id)
    result = []
    for request in client.court_requests.select_related("client"):
        content = open_value(vault, bytes(request.content), _court_context(request, request.version))
        result.append(OpenedCourtRequest(
            request=request, court=content["court"], reference=content["reference"],
            requested_by=content["requested_by"], requested=content["requested"], notes=content["notes"],
            outcome_notes=content.get("outcome_notes", "")))
    return result


@transaction.atomic
def settle_court_request(vault: Vault, client_id: uuid.UUID | str, request_id: uuid.UUID | str, *, outcome: str,
                         notes: str = "", disclosed: str = "") -> CourtRequest:
    """Record the outcome of a court request. Records disclosed under the order are recorded as a disclosure.

    `disclosed` describes what was sent (required when the outcome is that records were disclosed
    as ordered); that disclosure appears in the client's accounting.
    """
    client = _clinical_staff(vault, client_id)
    try:
        public_id = uuid.UUID(str(request_id))
    except ValueError:
        raise NotFoundError from None
    request = CourtRequest.objects.select_for_update().select_related("client").filter(
        client=client, public_id=public_id).first()
    if request is None:
        raise NotFoundError
    if outcome not in CourtRequest.Outcome.values or outcome == CourtRequest.Outcome.PENDING:
        raise IncompleteStepError({"outcome": "Choose the outcome."})
    if request.outcome != CourtRequest.Outcome.PENDING:
        raise DisclosureError("This request already has an outcome.")
    errors: dict[str, str] = {}
    disclosed = _clean(disclosed, "What was disclosed", MAX_TEXT, errors, "disclosed",
                       required=outcome == CourtRequest.Outcome.COMPLIED)
    notes = _clean(notes, "Notes", MAX_TEXT, errors, "notes", required=False)
    if errors:
        raise IncompleteStepError(errors)
    content = open_value(vault, bytes(request.content), _court_context(request, request.version))
    content["outcome_notes"] = notes
    if outcome == CourtRequest.Outcome.COMPLIED:
        disclosure = Disclosure(client=client, basis=Disclosure.Basis.COURT_ORDER, status=Disclosure.Status.RECORDED,
                                disclosed_at=timezone.now(), made_by_id=vault.user_id, content=b"")
        seal_disclosure(vault, disclosure, {
            "recipient_name": content["court"], "recipient_address": content.get("reference", ""),
            "description": disclosed,
            "purpose": f"Court order or subpoena from {content['requested_by']}"})
        disclosure.save()
        request.disclosure = disclosure
        audit(vault, Tag.COURT_DISCLOSURE_MADE, client)
    request.outcome = outcome
    request.version += 1
    request.content = seal_value(vault.current_key(client.pk, Scope.CLINICAL), content,
                            _court_context(request, request.version))
    request.save()
    audit(vault, Tag.COURT_REQUEST_UPDATED, client)
    if request.disclosure_id is not None:
        after_disclosure(vault, client)
    return request
