"""The informed-consent document: assembled from the practice's policies and its jurisdiction pack.

The text is written for clients in plain language (a test keeps it at US grade 8 or below). Each
section lists the pack rules it rests on, so the owner can check the legal basis; the rules'
legal wording is kept out of the client-facing paragraphs. The document's fingerprint is the
SHA-256 of its canonical form: it changes whenever the practice's policies or its pack change,
and so identifies the version a client signed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from confide.jurisdictions.loader import Pack, Rule
from confide.jurisdictions.retention import retention_rule

if TYPE_CHECKING:
    from confide.practice.models import Practice

__all__ = ["ConsentText", "PolicyChoices", "Section", "SignatureInfo", "build_consent_document", "build_consent_text"]


@dataclass(frozen=True)
class Section:
    """One heading of the consent document, its paragraphs and the rules it rests on."""

    heading: str
    paragraphs: list[str]
    citations: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class ConsentText:
    """A consent document as shown to a client, identified by its fingerprint."""

    title: str
    sections: list[Section]
    fingerprint: str
    # Additions to the shared contract: which pack (and pack version) the text was built from.
    pack_code: str | None = None
    pack_fingerprint: str | None = None

    def as_plain_text(self) -> str:
        """The text a client reads: title, headings and paragraphs (no legal citations)."""
        lines = [self.title, ""]
        for section in self.sections:
            lines.append(section.heading)
            lines.extend(section.paragraphs)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    @property
    def short_hash(self) -> str:
        """The first 16 hex digits of the fingerprint, for people to compare by eye."""
        return self.fingerprint[:16]


@dataclass(frozen=True)
class SignatureInfo:
    """How a client signed a consent version (printed on the signed PDF copy)."""

    signed_name: str
    signed_at: datetime
    version: int
    document_hash: str


@dataclass(frozen=True)
class PolicyChoices:
    """The practice's consent policies as plain values (the ConsentPolicy model's fields)."""

    sees_minors: bool = False
    family_no_secrets: bool = True
    uses_messaging: bool = False
    bills_insurance: bool = False
    uses_supervision: bool = True
    destruction_method: str = "crypto_shred"
    complaint_contact: str = ""


def _fingerprint(title: str, sections: list[Section], pack: Pack | None) -> str:
    canonical = json.dumps(
        {
            "title": title,
            "sections": [
                {
                    "heading": s.heading,
                    "paragraphs": s.paragraphs,
                    "citations": [[r.pack_code, r.topic, r.citation, r.status] for r in s.citations],
                }
                for s in sections
            ],
            "pack": None if pack is None else [pack.code, pack.fingerprint],
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _confidential() -> Section:
    return Section(
        "What we keep private",
        [
            "What you tell your therapist stays private. We do not share it unless you say yes in writing.",
            "Your record is locked with keys. Only the people who care for you hold a key. Each time "
            "someone opens your record, it is logged, and you can see that list.",
            "There are a few times when the law lets us, or makes us, share some facts without your OK. "
            "They are listed below. We share only what is needed, and we write down each time we do.",
        ],
    )


NOT_CONFIRMED = "We have not yet checked this against the law itself."

# Who may or must be told, in plain words (pack `must_tell` / `may_tell` codes).
RECIPIENTS = {
    "person_at_risk": "the person at risk",
    "law_enforcement": "the police",
    "medical_personnel": "medical staff",
    "county_mh_director": "a county mental health official",
    "parent_of_minor_victim": "the parent of a child at risk",
}


def _people(codes: object) -> str:
    names = [RECIPIENTS[c] for c in codes if c in RECIPIENTS] if isinstance(codes, (list, tuple)) else []
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _settled(rule: Rule | None) -> bool:
    """True when the rule was confirmed against its text and covers every kind of therapist."""
    return rule is not None and rule.confirmed and not rule.applies_to


def _harm(pack: Pack | None) -> Section:
    rule = pack.first("duty_to_warn") if pack else None
    klass = str(rule.details.get("class", "unknown")) if rule else "unknown"
    must = _people(rule.details.get("must_tell")) if rule else ""
    may = _people(rule.details.get("may_tell")) if rule else ""
    threat = "If you make a serious threat to hurt another person,"
    paragraphs = [
        "If we believe you are at serious risk of hurting yourself, we may call for emergency help "
        "or contact someone close to you to keep you safe.",
    ]
    if _settled(rule) and klass == "mandatory":
        assert rule is not None  # noqa: S101  (_settled checked it)
        if must == RECIPIENTS["county_mh_director"]:
            paragraphs.append(f"If we think you are likely to cause serious harm to yourself or others, the law "
                              f"here says we must report it to {must}.")
        else:
            paragraphs.append(f"{threat} the law here says we must act to protect them.")
            if must:
                paragraphs.append(f"To do this, we tell {must}.")
        if may:
            paragraphs.append(f"We may also tell {may}.")
    elif _settled(rule) and klass == "permissive":
        paragraphs.append(f"{threat} the law here lets us act to protect them.")
        paragraphs.append(f"We may tell {may}." if may else "We may warn them or call the police.")
    elif klass == "mandatory":
        paragraphs.append(f"{threat} the law here may require us to act to protect them. {NOT_CONFIRMED}")
        paragraphs.append(f"We may tell {may or must}." if (may or must) else "We may warn them or call the police.")
    elif klass == "permissive":
        paragraphs.append(f"{threat} the law here may let us act to protect them. {NOT_CONFIRMED}")
        paragraphs.append(f"We may tell {may}." if may else "We may warn them or call the police.")
    else:
        paragraphs.append(f"{threat} we may act to keep them safe. We may warn them or call the police.")
        if klass == "unknown":
            paragraphs.append("We have not yet checked what the law here asks of us.")
    paragraphs.append("We will talk with you about it first when it is safe to do so.")
    return Section("If someone may get hurt", paragraphs, [rule] if rule else [])


def _report_rule(pack: Pack | None, topic: str) -> Rule | None:
    return pack.first(topic) if pack else None


def _abuse(pack: Pack | None) -> Section:
    child = _report_rule(pack, "child_abuse_reporting")
    adult = _report_rule(pack, "elder_abuse_reporting")
    paragraphs = []
    if _settled(child) and child is not None and child.details.get("mandated"):
        paragraphs.append("If we learn that a child is being abused or neglected, the law says we must report it.")
    else:
        paragraphs.append("If we learn that a child is being abused or neglected, the law here may require us to "
                          "report it.")
    if _settled(adult) and adult is not None and adult.details.get("mandated"):
        paragraphs.append(
            "The same is true if an older adult, or an adult who cannot protect themselves, is being abused."
        )
    elif adult is not None and adult.details.get("mandated") is False:
        paragraphs.append(
            "If an older adult, or an adult who cannot protect themselves, is being abused, we may report it."
        )
    else:
        paragraphs.append(
            "The law here may also require us to report the abuse of an older adult, or of an adult who cannot "
            "protect themselves."
        )
    if not (_settled(child) and _settled(adult)):
        paragraphs.append(NOT_CONFIRMED)
    paragraphs.append("We report to the agency the law names, and we share only what the report needs.")
    return Section("Abuse of a child or a vulnerable adult", paragraphs, [r for r in (child, adult) if r])


def _courts() -> Section:
    return Section(
        "Court orders",
        [
            "A judge can order us to share your records. If that happens, we share only what the order asks for.",
            "When the law allows it, we tell you first, so you or your lawyer can object.",
        ],
    )


def _supervision(policy: PolicyChoices) -> Section | None:
    if not policy.uses_supervision:
        return None
    return Section(
        "Talking with other experts",
        [
            "Your therapist may talk about their work with a supervisor or another expert. This helps you get "
            "good care.",
            "When they do, they leave out your name and anything else that shows who you are.",
        ],
    )


def _billing(policy: PolicyChoices) -> Section:
    if policy.bills_insurance:
        paragraphs = [
            "If you use health insurance, we must send your insurer some facts. These may include the dates "
            "of your visits, the type of care and a diagnosis.",
            "We send only what they need to pay. We never send your therapist's private session notes.",
            "You can choose to pay for care yourself. Then we send your insurer nothing.",
        ]
    else:
        paragraphs = [
            "We do not bill health insurance. If you ask for a receipt to claim money back, it shows only "
            "what the claim needs.",
        ]
    return Section("Payment and insurance", paragraphs)


def _minors(pack: Pack | None, policy: PolicyChoices) -> Section | None:
    if not policy.sees_minors:
        return None
    rule = pack.first("minors_consent") if pack else None
    paragraphs = [
        "When the client is under 18, parents or guardians usually give consent and may have a right to "
        "know about care.",
    ]
    if rule is None or (rule.status == "unresearched" and rule.details.get("min_age") is None
                        and str(rule.details.get("conditions", "")) == "not researched"):
        paragraphs.append("We have not yet checked at what age a young person here can agree to care on their own.")
    else:
        age = rule.details.get("min_age")
        may = "can" if _settled(rule) else "may be able to"
        if isinstance(age, int) and age > 0:
            paragraphs.append(f"Here, a young person who is {age} or older {may} agree to some care on their own. "
                              "Some limits apply.")
        elif age == 0:
            paragraphs.append(f"Here, a young person of any age {may} agree to some kinds of care on their own, such "
                              "as help after abuse or with thoughts of suicide.")
        else:
            paragraphs.append(f"Here, the law has no set age. In some cases a young person {may} agree to care on "
                              "their own.")
        if not _settled(rule):
            paragraphs.append(NOT_CONFIRMED)
    paragraphs.append(
        "We keep what a young person tells us private from their parents as far as the law allows. We tell "
        "parents when safety is at risk, and we talk with the young person first."
    )
    return Section("Young people and their parents", paragraphs, [rule] if rule else [])


def _couples(policy: PolicyChoices) -> Section:
    if policy.family_no_secrets:
        paragraphs = [
            "When we see a couple or a family, we keep no secrets between you. If one of you tells your "
            "therapist something alone, it may be raised with all of you.",
            "Please keep this in mind before you share something in private.",
        ]
    else:
        paragraphs = [
            "When we see a couple or a family, what one of you tells your therapist alone stays private, "
            "unless it is about someone's safety.",
        ]
    return Section("Couples and families", paragraphs)


def _messaging(policy: PolicyChoices) -> Section:
    if policy.uses_messaging:
        paragraphs = [
            "You may reach us by e-mail or text. These are not fully safe. Others may read them on the way, "
            "or on your phone or computer.",
            "Please use them for things like times and dates. Talk about private things in your session.",
            "We do not read messages all the time. In an emergency, call your local emergency number.",
        ]
    else:
        paragraphs = [
            "We do not use e-mail or text to talk about your care, because they are not fully safe.",
            "In an emergency, call your local emergency number.",
        ]
    return Section("E-mail and text messages", paragraphs)


def _retention(pack: Pack | None, policy: PolicyChoices) -> Section:
    rule = retention_rule(pack) if pack else None
    paragraphs = []
    if rule is not None:
        years = int(rule.details["adult_years"])
        paragraphs.append(f"We keep your record for {years} years after your last visit.")
        age = rule.details.get("minor_until_age")
        if age is not None:
            paragraphs.append(f"If you came to us as a child, we keep it at least until you turn {int(age)}.")
        if rule.authority == "guideline":
            paragraphs.append("This follows a guideline for therapists. We have not yet checked the law here on it.")
        elif not rule.confirmed:
            paragraphs.append(NOT_CONFIRMED)
        elif rule.applies_to:
            paragraphs.append("The law sets this time for some kinds of therapist. We use it for all our records.")
    else:
        paragraphs.append("We keep your record only as long as the law asks and we need it.")
    paragraphs.append("Then we destroy it. We delete the keys that lock it, so no copy of it can ever be read again.")
    if policy.destruction_method == "crypto_shred_and_paper":
        paragraphs.append("Any paper is cut into tiny pieces.")
    paragraphs.append("We do not destroy a record while a court or the law says it must be kept.")
    return Section("How long we keep your record", paragraphs, [rule] if rule else [])


def _rights(pack: Pack | None, policy: PolicyChoices) -> Section:
    access = pack.first("right_of_access") if pack else None
    accounting = pack.first("accounting_of_disclosures") if pack else None
    rights = pack.first("client_rights") if pack else None
    paragraphs = []
    if access is not None:
        days = access.details.get("response_days")
        paragraphs.append(
            f"You can see your record and get a copy. We answer within {days} days. Your therapist's private "
            "session notes are not part of this."
        )
    else:
        paragraphs.append("You can see your record and get a copy.")
    paragraphs.append("If you think something in your record is wrong, you can ask us to fix it.")
    if accounting is not None:
        years = accounting.details.get("lookback_years")
        paragraphs.append(f"You can ask for a list of who we shared your record with in the last {years} years.")
    else:
        paragraphs.append("You can ask for a list of who we shared your record with.")
    contact = policy.complaint_contact.strip()
    if contact:
        paragraphs.append(f"If you have a concern about your privacy, please tell us. Contact: {contact}.")
    else:
        paragraphs.append("If you have a concern about your privacy, please tell us.")
    paragraphs.append(
        "You can also complain to the government office that protects health privacy. We will never treat "
        "you worse because you complained."
    )
    return Section("Your rights", paragraphs, [r for r in (rights, access, accounting) if r])


# The state-level topics in plain words, for the list of what the practice has not checked.
UNCHECKED_WORDS = {
    "duty_to_warn": "warning others about a threat",
    "child_abuse_reporting": "reporting child abuse",
    "elder_abuse_reporting": "reporting the abuse of older adults",
    "minors_consent": "when young people can agree to care",
    "retention": "how long records are kept",
    "privilege": "when a court can see your records",
    "breach_notification": "telling you if your data leaks",
}


def _not_checked(pack: Pack | None) -> Section | None:
    if pack is None:
        return Section("What we have not checked yet", [
            "We have not yet set up the rules of the law where we work. Please ask us about anything."])
    topics = pack.unresearched_topics()
    if not topics:
        return None
    words = [UNCHECKED_WORDS[t] for t in topics]
    return Section("What we have not checked yet", [
        "We have not yet checked the law here on these topics:",
        *(f"{w[0].upper()}{w[1:]}." for w in words),
        "Until we do, we follow the general rules above and ask a lawyer when we need to.",
    ])


def build_consent_text(pack: Pack | None, policy: PolicyChoices, *, practice_name: str = "") -> ConsentText:
    """Assemble the consent document from a pack and the practice's policies (pure; no database)."""
    title = f"Privacy and consent: {practice_name}" if practice_name else "Privacy and consent"
    candidates = [
        _confidential(),
        _harm(pack),
        _abuse(pack),
        _courts(),
        _supervision(policy),
        _billing(policy),
        _minors(pack, policy),
        _couples(policy),
        _messaging(policy),
        _retention(pack, policy),
        _rights(pack, policy),
        _not_checked(pack),
    ]
    sections = [section for section in candidates if section is not None]
    return ConsentText(
        title=title,
        sections=sections,
        fingerprint=_fingerprint(title, sections, pack),
        pack_code=pack.code if pack else None,
        pack_fingerprint=pack.fingerprint if pack else None,
    )


def policy_choices(practice: Practice) -> PolicyChoices:
    """The practice's stored consent policies, or the defaults when the owner has not set them."""
    # Imported on call: confide.consent's __init__ imports this module while Django loads the apps.
    from confide.consent.models import ConsentPolicy

    stored: ConsentPolicy | None
    related = type(practice)._meta.get_field("consent_policy")
    if related.is_cached(practice):  # the sign-in backend loads it with the signed-in person's practice
        stored = related.get_cached_value(practice)  # type: ignore[assignment]
    else:
        stored = ConsentPolicy.objects.filter(practice=practice).first()
    if stored is None:
        return PolicyChoices()
    return PolicyChoices(
        sees_minors=stored.sees_minors,
        family_no_secrets=stored.family_no_secrets,
        uses_messaging=stored.uses_messaging,
        bills_insurance=stored.bills_insurance,
        uses_supervision=stored.uses_supervision,
        destruction_method=stored.destruction_method,
        complaint_contact=stored.complaint_contact,
    )


def build_consent_document(practice: Practice) -> ConsentText:
    """The practice's current consent document, from its policies and its jurisdiction pack."""
    # Imported on call: confide.consent's __init__ imports this module while Django loads the apps.
    from confide.jurisdictions.services import practice_pack

    return build_consent_text(practice_pack(practice), policy_choices(practice), practice_name=practice.name)
