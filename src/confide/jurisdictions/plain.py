"""Pack rules in plain words for clients ("Your privacy, explained"), at US grade 8 or below.

The packs' own summaries are written for the practice owner and counsel, in legal prose. What a
client reads is built here from the rule's topic, its details and its status, so that a rule that
is not confirmed is never told to a client as settled law (a test keeps every pack's text at
grade 8 or below, measured with textstat as the consent document is).
"""

from __future__ import annotations

from confide.jurisdictions.loader import Rule

__all__ = ["plain_status", "plain_summary", "plain_title"]

TITLES = {
    "duty_to_warn": "If someone may get hurt",
    "child_abuse_reporting": "Abuse of a child",
    "elder_abuse_reporting": "Abuse of an older or dependent adult",
    "minors_consent": "Young people and consent",
    "retention": "How long records are kept",
    "privilege": "Your records and the courts",
    "breach_notification": "If your data leaks",
    "serious_threat": "Stopping a serious threat",
    "substance_use_records": "Care for drug or alcohol use",
    "ferpa": "School records",
    "psychotherapy_notes": "Your therapist's private notes",
    "privacy_law": "The privacy law here",
    "authorization": "Your OK to share",
    "accounting_of_disclosures": "A list of who we shared with",
    "right_of_access": "Seeing your record",
    "client_rights": "Your rights",
}

WHO = {
    "person_at_risk": "the person at risk",
    "law_enforcement": "the police",
    "medical_personnel": "medical staff",
    "county_mh_director": "a county health official",
    "parent_of_minor_victim": "the parent of a child at risk",
}


def _who(codes: object) -> str:
    names = [WHO[c] for c in codes if c in WHO] if isinstance(codes, (list, tuple)) else []
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def plain_title(rule: Rule) -> str:
    """A short plain heading for the rule's topic."""
    return TITLES.get(rule.topic, rule.title)


def plain_status(rule: Rule) -> str:
    """Where the rule comes from and how sure we are, in one or two short sentences."""
    lead = ""
    if rule.authority == "guideline":
        lead = "This is a guideline for therapists, not a law here. "
    elif rule.authority == "federal_law":
        lead = "This is a national (federal) law. "
    elif rule.applies_to:
        lead = "This rule is only for some kinds of therapist. "
    if rule.status == "confirmed":
        return lead + "We checked it against the text of the law."
    if rule.status == "secondary":
        return lead + "It comes from a summary table. We have not checked it against the law itself."
    return lead + "We have not checked it against the law yet."


def _duty(rule: Rule) -> str:
    klass = str(rule.details.get("class", "unknown"))
    must, may = _who(rule.details.get("must_tell")), _who(rule.details.get("may_tell"))
    if klass == "mandatory" and must == WHO["county_mh_director"]:
        return (f"If your therapist thinks you are likely to cause serious harm to yourself or others, they must "
                f"tell {must}.")
    if klass == "mandatory":
        text = "If a client makes a serious threat to hurt someone, the therapist must act to protect that person."
        if must:
            text += f" They tell {must}."
        if may:
            text += f" They may also tell {may}."
        return text
    if klass == "permissive":
        text = "If a client makes a serious threat to hurt someone, the therapist may act to protect that person."
        return text + (f" They may tell {may}." if may else "")
    if klass == "none":
        return ("No law here makes a therapist warn others about a threat. A therapist may still act to keep "
                "people safe.")
    return "We do not yet know what the law here asks a therapist to do about a threat."


def _report(rule: Rule, who: str) -> str:
    mandated = rule.details.get("mandated")
    if mandated is True:
        return f"Therapists must report the abuse of {who} to the agency the law names."
    if mandated is False:
        return f"Here, therapists are not named as people who must report the abuse of {who}. They may still report it."
    return f"Therapists may have to report the abuse of {who}. We do not yet know the exact rule here."


def _minors(rule: Rule) -> str:
    age = rule.details.get("min_age")
    if isinstance(age, int) and age > 0:
        return f"A young person who is {age} or older can agree to some care on their own. Some limits apply."
    if age == 0:
        return "A young person of any age can agree to some kinds of care on their own."
    if str(rule.details.get("conditions", "")) == "not researched":
        return "We do not yet know at what age a young person here can agree to care on their own."
    return "The law sets no fixed age. In some cases a young person can agree to care on their own."


def _retention(rule: Rule) -> str:
    years, age = rule.details.get("adult_years"), rule.details.get("minor_until_age")
    if years is None:
        return "We do not yet know how long the law here asks for records to be kept."
    text = f"Records are kept {int(years)} years after the last visit."
    if age is not None:
        text += f" For a child, they are kept at least until age {int(age)}."
    return text


FIXED = {
    "privilege": "What you say in therapy is usually kept out of court. There are some exceptions.",
    "serious_threat": "National law lets a therapist share facts to stop a serious threat to someone's safety. "
                      "It does not force them to.",
    "substance_use_records": "Records of care for drug or alcohol use have extra protection. Sharing them "
                             "usually needs your written OK.",
    "ferpa": "Records kept by a school follow a school privacy law, not the health privacy law.",
    "psychotherapy_notes": "Your therapist's private session notes are kept apart. In almost every case they are "
                           "shared only with your written OK.",
    "privacy_law": "A law sets how your health data must be kept safe and used.",
    "authorization": "Before we share your record, you sign a form. It says what we share, with whom and why. "
                     "You can take back your OK.",
    "accounting_of_disclosures": "You can ask for a list of who we shared your record with.",
    "right_of_access": "You can see your record and get a copy.",
    "client_rights": "You can see your record, ask us to fix it, ask us to limit sharing, and get a list of who "
                     "we shared it with.",
    "breach_notification": "If your data leaks, you will be told.",
}


def plain_summary(rule: Rule) -> str:
    """The rule in plain words for a client, ending with how sure we are of it."""
    if rule.status == "unresearched" and rule.authority == "none_found":
        return "We have not yet checked the law here on this. Ask your therapist if you want to know more."
    if rule.topic == "duty_to_warn":
        body = _duty(rule)
    elif rule.topic == "child_abuse_reporting":
        body = _report(rule, "a child")
    elif rule.topic == "elder_abuse_reporting":
        body = _report(rule, "an older adult or an adult who cannot protect themselves")
    elif rule.topic == "minors_consent":
        body = _minors(rule)
    elif rule.topic == "retention":
        body = _retention(rule)
    elif rule.topic == "right_of_access" and rule.details.get("response_days"):
        body = f"You can see your record and get a copy. We answer within {rule.details['response_days']} days."
    elif rule.topic == "accounting_of_disclosures" and rule.details.get("lookback_years"):
        body = (f"You can ask for a list of who we shared your record with in the last "
                f"{rule.details['lookback_years']} years.")
    else:
        body = FIXED.get(rule.topic, "A law here protects your privacy.")
    return f"{body} {plain_status(rule)}"
