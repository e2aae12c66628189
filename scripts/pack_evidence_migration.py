"""One-off migration of the jurisdiction packs to the evidence model of ADR 0015 (issue 14).

Run once from the repository root: `python scripts/pack_evidence_migration.py`. It rewrites the
pack files in place and is kept so that the lead and counsel can see exactly how every old
status became a new one:

- No old rule carried a quote, so none becomes `confirmed` by migration. A rule becomes
  `confirmed` only from RESEARCH below, where the quote and the URL it was read at are given.
- Duty-to-warn rows drawn from Johnson, Persad & Sisti (2014), Table 1, become `secondary`
  (that table was read on the checked_on day); every other old row becomes `unresearched`
  (the team's notes in law.md are not a named secondary table).
- Every state-level topic missing from a pack is added as an explicit `unresearched` rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PACKS = Path("src/confide/jurisdictions/packs")
TODAY = "2026-12-03"
STATE_TOPICS = ("duty_to_warn", "child_abuse_reporting", "elder_abuse_reporting", "minors_consent", "retention",
                "privilege", "breach_notification")
JAAPL = "Johnson, Persad & Sisti, J Am Acad Psychiatry Law 42:469-77 (2014), Table 1"
JAAPL_URL = ("https://jaapl.org/highwire/markup/8778/expansion?width=1000&height=500&iframe=true&postprocessors="
             "highwire_tables%2Chighwire_reclass%2Chighwire_figures%2Chighwire_math%2Chighwire_inline_linked_media"
             "%2Chighwire_embed")
NCSL = "NCSL, Mental Health Professionals' Duty to Warn (table)"
NCSL_URL = "https://www.ncsl.org/health/mental-health-professionals-duty-to-warn"
LAW_MD = "Confide legal reference (law.md): team notes, not a named secondary table"

TOPIC_WORDS = {
    "duty_to_warn": "duty to warn or protect",
    "child_abuse_reporting": "child abuse reporting",
    "elder_abuse_reporting": "elder and dependent-adult abuse reporting",
    "minors_consent": "minors' consent to outpatient mental-health care",
    "retention": "record retention by profession",
    "privilege": "therapist-patient privilege and its exceptions",
    "breach_notification": "breach notification",
}
STUB_DETAILS: dict[str, dict[str, Any]] = {
    "duty_to_warn": {"class": "unknown", "basis": None},
    "child_abuse_reporting": {"mandated": None},
    "elder_abuse_reporting": {"mandated": None},
    "minors_consent": {"min_age": None, "conditions": "not researched"},
    "retention": {"adult_years": None, "minor_until_age": None, "minor_rule": "not researched", "formula": "none"},
    "privilege": {},
    "breach_notification": {},
}


def rule(topic: str, title: str, summary: str, citation: str, *, status: str, source: str, url: str | None = None,
         quote: str | None = None, authority: str = "state_law", details: dict[str, Any] | None = None,
         applies_to: list[str] | None = None, label: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "topic": topic, "title": title, "summary": summary, "citation": citation, "source": source,
        "source_url": url, "quote": quote, "checked_on": TODAY if status != "unresearched" else None,
        "status": status, "authority": authority, "as_of": TODAY, "details": details or {},
    }
    if applies_to:
        out["applies_to"] = applies_to
    if label:
        out["authority_label"] = label
    return out


def stub(topic: str, place: str, *, note: str = "", citation: str = "None found") -> dict[str, Any]:
    words = TOPIC_WORDS[topic]
    summary = f"Not researched: Confide has not checked the law of {place} on {words}. Consult counsel."
    if note:
        summary += " " + note
    return rule(topic, f"{words[0].upper()}{words[1:]}: not researched", summary, citation, status="unresearched",
                source="No research recorded", authority="none_found", details=dict(STUB_DETAILS[topic]))


# --- Research: every rule below was read in the text quoted, at the URL given, on TODAY. ----------------------
RESEARCH: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("US-NY", "duty_to_warn"): [rule(
        "duty_to_warn", "Mandatory report to the county director (not a victim warning)",
        "Mandatory: a mental health professional treating a person who judges that the person is likely to engage in "
        "conduct that would result in serious harm to self or others must report, as soon as practicable, to the "
        "county director of community services (who reports names to the Division of Criminal Justice Services for "
        "firearm licensing). Section 9.46 does not itself require a warning to the person at risk, and nothing in it "
        "requires an action that would endanger the professional or increase the danger to a victim.",
        "N.Y. Mental Hyg. Law 9.46(b)", status="confirmed", source="N.Y. Mental Hygiene Law 9.46 (public.law copy)",
        url="https://newyork.public.law/laws/n.y._mental_hygiene_law_section_9.46",
        quote="when a mental health professional currently providing treatment services to a person determines, in the "
              "exercise of reasonable professional judgment, that such person is likely to engage in conduct that would "
              "result in serious harm to self or others, he or she shall be required to report, as soon as practicable, "
              "to the director of community services, or the director's designee",
        details={"class": "mandatory", "basis": "statute", "must_tell": ["county_mh_director"], "may_tell": [],
                 "trigger": "likely to engage in conduct that would result in serious harm to self or others",
                 "classification_2014": "P",
                 "resolves": "Issue 14: the pack said permissive; 9.46(b) reads 'shall be required to report'."})],
    ("US-FL", "duty_to_warn"): [rule(
        "duty_to_warn", "Police notice required; warning the person at risk permitted",
        "Since the 2019 amendments (ch. 2019-134, SB 1418), when a client communicates a specific threat to cause "
        "serious bodily injury or death to an identified or readily available person and has the apparent intent and "
        "ability to carry it out imminently, the licensee must disclose to the extent necessary to tell a law "
        "enforcement agency, and may disclose to warn the potential victim (psychiatrists 456.059; psychologists "
        "490.0147; chapter 491 licensees 491.0147).",
        "Fla. Stat. 456.059, 490.0147, 491.0147 (as amended by ch. 2019-134)", status="confirmed",
        source="Florida Senate, CS for CS for SB 1418 (2019), enrolled text; Fla. Stat. 456.059 (syfert.com copy)",
        url="https://www.flsenate.gov/Session/Bill/2019/1418/BillText/er/HTML",
        quote="amending s. 490.0147, F.S.; requiring psychologists to disclose certain patient or client communications "
              "for purposes of notifying law enforcement agencies of certain threats ... [456.059:] the psychiatrist may "
              "disclose patient communications to the extent necessary to warn any potential victim and must disclose "
              "patient communications to the extent necessary to communicate the threat to a law enforcement agency",
        details={"class": "mandatory", "basis": "statute", "must_tell": ["law_enforcement"],
                 "may_tell": ["person_at_risk"],
                 "trigger": "specific threat of serious bodily injury or death to an identified or readily available "
                            "person, with apparent intent and ability to carry it out imminently",
                 "also_read": "https://syfert.com/florida/statutes/0456.059.html",
                 "classification_2014": "P",
                 "resolves": "Issue 14: the pack said permissive; the 2019 amendments require notice to law enforcement."})],
    ("US-TX", "duty_to_warn"): [rule(
        "duty_to_warn", "Permissive: to medical or law enforcement personnel, not to the person at risk",
        "Permissive: a professional may disclose confidential information to medical or law enforcement personnel "
        "(a 2021 bill text reads 'medical, mental health, or law enforcement personnel') when there is a probability "
        "of imminent physical injury by the patient to the patient or others. The statute does not name the person "
        "threatened as a recipient, and Thapar v. Zezulka (Tex. 1999) found no duty to warn.",
        "Tex. Health & Safety Code 611.004(a)(2)", status="confirmed",
        source="Texas Legislature, S.B. 1143 (87R, 2021), introduced text restating 611.004(a)",
        url="https://capitol.texas.gov/tlodocs/87R/billtext/html/SB01143I.htm",
        quote="(a) A professional may disclose confidential information only: ... (2) to medical, mental health, or law "
              "enforcement personnel if the professional determines that there is a probability of imminent physical "
              "injury by the patient to the patient or others",
        details={"class": "permissive", "basis": "statute", "must_tell": [],
                 "may_tell": ["medical_personnel", "law_enforcement"],
                 "trigger": "probability of imminent physical injury by the patient to the patient or others",
                 "caveat": "The quote was read in a 2021 bill that restates subsection (a); whether 'mental health' is "
                           "in the enacted text was not checked. Neither version names the person threatened.",
                 "classification_2014": "P",
                 "resolves": "Issue 14: the consent said 'we may warn them'; 611.004(a)(2) allows disclosure to "
                             "medical or law enforcement personnel only."})],
    ("US-KS", "duty_to_warn"): [
        rule("duty_to_warn", "Duty to warn or protect: no guidance (secondary, 2014)",
             "A 2014 survey found no statute or case law in Kansas on a duty to warn or protect. One profession has a "
             "statute: see the marriage and family therapist rule.", "No general statute recorded",
             status="secondary", source=JAAPL, url=JAAPL_URL,
             details={"class": "none", "basis": None, "classification_2014": "NG"}),
        rule("duty_to_warn", "Marriage and family therapists: may disclose for a clear and present danger",
             "A licensed marriage and family therapist is not required to keep confidential information whose "
             "non-disclosure presents a clear and present danger to the health or safety of an individual. Other "
             "professions were not researched.", "K.S.A. 65-6410(a)(2)", status="confirmed",
             source="K.S.A. 65-6410 (legalfix.com copy)",
             url="https://legalfix.com/statutes/state-codes/kansas/chapter-65/article-64/section-65-6410",
             quote="shall not be required to disclose any information that the person, employee or associate may have "
                   "acquired in rendering marriage and family therapy services, unless: ... (2) failure to disclose the "
                   "information presents a clear and present danger to the health or safety of an individual",
             applies_to=["mft"],
             details={"class": "permissive", "basis": "statute", "may_tell": ["unspecified"],
                      "resolves": "Issue 14: Kansas family therapists may disclose for a clear and present danger."}),
    ],
    ("US-NH", "duty_to_warn"): [
        stub("duty_to_warn", "New Hampshire",
             note="RSA 330-C:25 covers only alcohol and drug counselors (see that rule); the duty of other "
                  "mental health licensees (RSA 330-A) was not researched. A 2014 survey classed New Hampshire as "
                  "mandatory by statute."),
        rule("duty_to_warn", "Alcohol and drug counselors: mandatory duty to warn or protect",
             "A licensed or certified alcohol and drug counselor must warn or take reasonable precautions when a client "
             "communicates a serious threat of physical violence against a clearly identified or reasonably "
             "identifiable victim, or of substantial damage to real property. The duty is met by reasonable efforts to "
             "tell the victim, notifying the nearest police department, or obtaining civil commitment.",
             "RSA 330-C:25", status="confirmed", source="N.H. RSA 330-C:25 (gencourt.state.nh.us)",
             url="https://gencourt.state.nh.us/rsa/html/XXX/330-C/330-C-25.htm",
             quote="Any person licensed or certified under this chapter has a duty to warn of, or to take reasonable "
                   "precautions to provide protection from, a client's violent behavior when the client has "
                   "communicated to such person a serious threat of physical violence",
             applies_to=["alcohol_drug_counselor"],
             details={"class": "mandatory", "basis": "statute", "must_tell": ["person_at_risk_or_police_or_commitment"],
                      "resolves": "Issue 14: RSA 330-C:25 is chapter 330-C (alcohol and other drug use professionals) only."}),
    ],
    ("US-CA", "duty_to_warn"): [rule(
        "duty_to_warn", "Duty to protect: mandatory",
        "A psychotherapist has a duty to protect when a patient communicates a serious threat of physical violence "
        "against a reasonably identifiable victim. The duty is discharged by reasonable efforts to communicate the "
        "threat to the victim and to a law enforcement agency.",
        "Cal. Civ. Code 43.92", status="confirmed", source="Cal. Civ. Code 43.92 (self-law.org research copy)",
        url="https://self-law.org/code/ca/civil-code/43-92",
        quote="discharges his or her duty to protect by making reasonable efforts to communicate the threat to the "
              "victim or victims and to a law enforcement agency",
        details={"class": "mandatory", "basis": "statute", "must_tell": ["person_at_risk", "law_enforcement"],
                 "trigger": "a serious threat of physical violence against a reasonably identifiable victim",
                 "classification_2014": "MS"})],
    ("US-AZ", "duty_to_warn"): [rule(
        "duty_to_warn", "Duty to take reasonable precautions: mandatory",
        "Liability arises when a patient communicates an explicit threat of imminent serious physical harm or death to "
        "a clearly identified or identifiable victim with apparent intent and ability, and the provider fails to take "
        "reasonable precautions. The duty is discharged by warning identifiable victims, notifying law enforcement, "
        "starting hospitalization proceedings where appropriate, and other reasonable precautions.",
        "A.R.S. 36-517.02", status="confirmed", source="A.R.S. 36-517.02 (getpocketlaw.com copy)",
        url="https://getpocketlaw.com/law/state_arizona/section-36-517-02-limitation-of-liability-exception-discharge-of-duty-immunity-for-disclosure_68e9a6418e8a",
        quote="Any duty owed by a mental health provider to take reasonable precautions to prevent harm threatened by a "
              "patient is discharged by all of the following: 1. Communicating when possible the threat to all "
              "identifiable victims. 2. Notifying a law enforcement agency",
        details={"class": "mandatory", "basis": "statute", "must_tell": ["person_at_risk", "law_enforcement"],
                 "classification_2014": "MS"})],
    ("US-NV", "duty_to_warn"): [rule(
        "duty_to_warn", "Duty to act on an explicit threat: mandatory",
        "When a patient communicates an explicit threat of imminent serious physical harm or death to a clearly "
        "identified or identifiable person and has the intent and ability to carry it out, the mental health "
        "professional must apply for emergency admission or make a reasonable effort to tell the person, the nearest "
        "law enforcement agency and, for a minor, the parent or guardian.",
        "NRS 629.550", status="confirmed", source="NRS 629.550 (legalfix.com copy, 2019 text)",
        url="https://legalfix.com/statutes/state-codes/nevada/chapter-629/statute-629-550",
        quote="the mental health professional shall apply for the emergency admission of the patient to a mental health "
              "facility pursuant to NRS 433A.160 or make a reasonable effort to communicate the threat in a timely "
              "manner to: (a) The person who is the subject of the threat; (b) The law enforcement agency",
        details={"class": "mandatory", "basis": "statute", "must_tell": ["person_at_risk", "law_enforcement"],
                 "classification_2014": "NG", "note": "Changed since the 2014 survey (no guidance then)."})],
    ("US-MS", "duty_to_warn"): [rule(
        "duty_to_warn", "Permissive: may tell the person at risk or the police",
        "When a patient communicates an actual threat of physical violence against a clearly identified or reasonably "
        "identifiable victim, the treating physician, psychologist, master social worker or licensed professional "
        "counselor may communicate the threat only to the victim, a law enforcement agency, or the parent or guardian "
        "of a minor victim (as amended in 2023).",
        "Miss. Code 41-21-97(1)(e)", status="confirmed", source="Miss. Code 41-21-97 (casetext copy, 2024)",
        url="https://print.casetext.com/statute/mississippi-code-1972/title-41-public-health/chapter-21-individuals-with-mental-illness-or-an-intellectual-disability/persons-in-need-of-mental-treatment/section-41-21-97-confidentiality-of-hospital-records-and-information-exceptions",
        quote="master social worker or licensed professional counselor may communicate the threat only to the potential "
              "victim or victims, a law enforcement agency, or the parent or guardian of a minor who is identified as a "
              "potential victim",
        applies_to=["psychiatrist", "psychologist", "social_worker", "counselor"],
        details={"class": "permissive", "basis": "statute", "may_tell": ["person_at_risk", "law_enforcement"],
                 "classification_2014": "MS", "note": "Changed since the 2014 survey (mandatory then)."})],
    ("US-ME", "duty_to_warn"): [
        stub("duty_to_warn", "Maine", note="P.L. 2019 c. 317 added duties for several professions; only the counseling "
             "professionals' section was read (see that rule)."),
        rule("duty_to_warn", "Counseling professionals: mandatory duty to warn or protect",
             "A licensee under the counseling professionals chapter has a duty to warn or take reasonable precautions "
             "when, from communications with the client, the licensee reasonably believes the client is likely to "
             "engage in physical violence that poses a serious risk of harm to self or others. It is met by reasonable "
             "efforts to tell a potential victim, notifying law enforcement or seeking involuntary hospitalization.",
             "32 M.R.S. 13867 (P.L. 2019, c. 317)", status="confirmed",
             source="32 M.R.S. 13867 (copy of the Maine statutes)",
             url="https://d1tvxue8o4w0fl.cloudfront.net/statute/maine-statutes/title-32-professions-and-occupations/chapter-119-counseling-professionals/section-13867-duty-to-warn-and-protect",
             quote="A licensee under this chapter has a duty to warn of or to take reasonable precautions to provide "
                   "protection from a client's violent behavior if the licensee has a reasonable belief based on "
                   "communications with the client that the client is likely to engage in physical violence",
             applies_to=["counselor"],
             details={"class": "mandatory", "basis": "statute", "must_tell": ["person_at_risk_or_police_or_hospital"],
                      "classification_2014": "NG"}),
    ],
    ("US-AL", "duty_to_warn"): [rule(
        "duty_to_warn", "Duty to warn or protect: mandatory (secondary)",
        "NCSL's table lists Alabama as mandatory for counselors, psychologists and psychiatrists: the duty is "
        "discharged by reasonable efforts to communicate the threat to the victim and to a law enforcement agency "
        "(Ala. Code 34-8A-24 for counselors; 34-17A-23 for marriage and family therapists).",
        "Ala. Code 34-8A-24; 34-17A-23", status="secondary", source=NCSL, url=NCSL_URL,
        details={"class": "mandatory", "basis": "statute", "must_tell": ["person_at_risk", "law_enforcement"],
                 "classification_2014": "MC"})],
    ("US-AR", "duty_to_warn"): [stub(
        "duty_to_warn", "Arkansas",
        note="A 2014 survey found no guidance; the team's notes suggest Ark. Code 20-45-202 may now impose a duty. "
             "Neither was checked.", citation="Ark. Code 20-45-202 (lead, not read)")],
    # Retention: the minors' age-25 rules the review named.
    ("US-NJ", "retention"): [
        rule("retention", "Marriage and family therapists: 7 years; minors until age 25",
             "A licensed marriage and family therapist keeps the permanent client record at least 7 years from the last "
             "entry, or for a minor until the minor reaches age 25.",
             "N.J.A.C. 13:34-8.1(d)", status="confirmed", source="N.J.A.C. 13:34-8.1 (Justia copy, 2024)",
             url="https://regulations.justia.com/states/new-jersey/title-13/chapter-34/subchapter-8/section-13-34-8-1",
             quote="The licensee shall retain the permanent client record for at least seven years from the date of the "
                   "last entry, unless otherwise provided by law, or in the case of a minor, the licensee shall retain "
                   "the record until the minor reaches the age of 25.",
             applies_to=["mft"],
             details={"adult_years": 7, "minor_until_age": 25, "minor_rule": "until age 25",
                      "formula": "max(last entry + 7 years, 25th birthday)",
                      "resolves": "Issue 14: minors' records until age 25, not 21."}),
        rule("retention", "Alcohol and drug counselors: 7 years; minors 7 years or to age 20",
             "A licensed alcohol and drug counselor keeps the record 7 years from the last entry; for minors, 7 years "
             "from the last entry or two years past the 18th birthday, whichever is later.",
             "N.J.A.C. 13:34C-4.1(f)", status="confirmed", source="N.J.A.C. 13:34C-4.1 (Justia copy, 2024)",
             url="https://regulations.justia.com/states/new-jersey/title-13/chapter-34c/subchapter-4/section-13-34c-4-1",
             quote="For clients who are minors, a licensee or certificate holder shall retain the records for seven years "
                   "from the date of last entry or two years past the client's 18th birthday, whichever is later.",
             applies_to=["alcohol_drug_counselor"],
             details={"adult_years": 7, "minor_until_age": 20, "minor_rule": "age 18 + 2 years",
                      "formula": "max(last entry + 7 years, 20th birthday)"}),
    ],
    ("US-NH", "retention"): [rule(
        "retention", "Mental health practice licensees: 7 years; minors 7 years past majority",
        "Licensees of the Board of Mental Health Practice (clinical social workers, clinical mental health counselors, "
        "marriage and family therapists, pastoral psychotherapists) keep clinical and business records at least 7 "
        "years after the last activity, and for minors 7 years past the age of majority (age 25 with majority at 18).",
        "N.H. Admin. Code Mhp 502.01(k)", status="confirmed", source="N.H. Admin. Code Mhp 502.01 (casetext, Dec 2024)",
        url="https://casetext.com/regulation/new-hampshire-administrative-code/title-mhp-board-of-mental-health-practice/chapter-mhp-500-ethical-and-professional-standards-responsibilities-of-licensees/part-mhp-502-responsibilities-of-licensees/section-mhp-50201-responsibilities-of-licensees",
        quote="A licensee shall maintain complete and accurate clinical and business records pertaining to each patient "
              "seen for a minimum of 7 years following the last activity on the account and for minors for a period of "
              "7 years past the age of majority.",
        applies_to=["social_worker", "counselor", "mft"],
        details={"adult_years": 7, "minor_until_age": 25, "minor_rule": "age of majority (18) + 7 years",
                 "formula": "max(last activity + 7 years, 25th birthday)",
                 "resolves": "Issue 14: minors' records to age 25, not 21."})],
    ("US-HI", "retention"): [rule(
        "retention", "Health care providers: 7 years; minors 7 years past 18 (age 25)",
        "HRS 622-58 requires health care providers (as defined in HRS 671-1: physicians, osteopathic physicians, "
        "surgeons, physician assistants, podiatrists, health care facilities and their employees) to keep medical "
        "records 7 years after the last treatment, and for minors 7 years past the 18th birthday; basic information "
        "is kept 25 years. Whether it binds psychologists or counselors in private practice was not researched.",
        "HRS 622-58", status="secondary", source="HealthInfoLaw.org summary of HAW. REV. STAT. 622-58 (2016)",
        url="https://healthinfolaw.org/state-law/retention-medical-records-haw-rev-stat-%C2%A7-622-58",
        applies_to=["health_care_provider"],
        details={"adult_years": 7, "minor_until_age": 25, "minor_rule": "age 18 + 7 years",
                 "formula": "max(last treatment + 7 years, 25th birthday)",
                 "also_read": "https://legiscan.com/HI/text/SB1421/id/3114399 (2025 bill quoting 622-58(e))",
                 "resolves": "Issue 14: minors' records to age 25 for the providers HRS 622-58 names."})],
}

ON_RETENTION = rule(
    "retention", "Psychologists: 2024 standard not yet read",
    "The College of Psychologists and Behaviour Analysts of Ontario replaced its 2017 Standards of Professional Conduct "
    "(whose 9.4 set 10 years after last contact or after age 18) with the 2024 Standards, in force 1 July 2024. The "
    "2024 retention clause has not been read, so Confide sets no period: decide with counsel.",
    "CPBAO Standards of Professional Conduct (2024); was CPO Standards (2017) 9.4", status="unresearched",
    source="cpbao.ca: Standards of Professional Conduct, 'Date in force: July 1, 2024' (read)",
    url="https://cpbao.ca/members/professional-practice/standards-of-professional-conduct",
    authority="professional_standard",
    details={"adult_years": None, "minor_until_age": None, "minor_rule": "not researched (2024 standard)",
             "formula": "none", "replaced": "2017 standard 9.4 (10 years; 10 years after age 18), replaced 2024-07-01",
             "resolves": "Issue 14: the pack cited the 2017 standard, replaced on 1 July 2024."})

FEDERAL_NEW = [
    rule("serious_threat", "HIPAA: disclosure to avert a serious and imminent threat (permitted)",
         "HIPAA permits, but does not require, a disclosure that the provider in good faith believes is necessary to "
         "prevent or lessen a serious and imminent threat to the health or safety of a person or the public, to a "
         "person reasonably able to prevent or lessen it, including the target. State law may be stricter.",
         "45 CFR 164.512(j)(1)(i)", status="confirmed", source="45 CFR 164.512(j) (Bricker Graydon copy of the rule)",
         url="https://brickergraydon.com/insights/resources/key/HIPAA-Privacy-Regulations-Uses-and-Disclosures-for-Which-an-Authorization-or-Opportunity-to-Agree-or-Object-is-Not-Required-Serious-Threats-to-Health-or-Safety-164-512-j",
         quote="(i)(A) Is necessary to prevent or lessen a serious and imminent threat to the health or safety of a "
               "person or the public; and (B) Is to a person or persons reasonably able to prevent or lessen the "
               "threat, including the target of the threat",
         authority="federal_law", label="Federal law (HIPAA), not state law",
         details={"permits": True, "requires": False}),
    rule("ferpa", "FERPA: school records are education records, not HIPAA records",
         "Records that contain information directly related to a student and are kept by an educational agency or "
         "institution (or someone acting for it) are education records under FERPA, and HIPAA's definition of "
         "protected health information excludes them. A therapist working for a school follows FERPA for them.",
         "20 U.S.C. 1232g(a)(4)(A); 45 CFR 160.103", status="confirmed",
         source="University of Miami privacy glossary quoting FERPA's definition",
         url="https://privacy.med.miami.edu/glossary/xd_education_records.htm",
         quote="FERPA defines an \"education record\" as \"those records, files, documents, and other materials\" that "
               "\"contain information directly related to a student;\" and \"are maintained by an educational agency "
               "or institution or by a person acting for such agency or institution.\"",
         authority="federal_law", label="Federal law (FERPA), not state law",
         details={"applies_when": "school_setting"}),
    rule("client_rights", "Clients' HIPAA privacy rights",
         "Clients have the right to a notice of privacy practices (164.520), to ask for restrictions and confidential "
         "communications (164.522), to see and copy their record (164.524), to ask for a correction (164.526) and to "
         "an accounting of disclosures (164.528), and may complain to HHS.",
         "45 CFR 164.520-164.528", status="unresearched", source=LAW_MD,
         url="https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-E",
         authority="federal_law", label="Federal law (HIPAA), not state law", details={}),
]


def migrate_rule(code: str, raw: dict[str, Any]) -> dict[str, Any]:
    topic = raw["topic"]
    if topic == "mandatory_reporting":
        topic = "child_abuse_reporting" if raw["details"].get("category") == "child_abuse" else "elder_abuse_reporting"
        raw["details"].pop("category", None)
    johnson = raw["source"].startswith("Johnson, Persad")
    status = "secondary" if johnson else "unresearched"
    source = JAAPL if johnson else (raw["source"] if not raw["source"].startswith("Confide legal") else LAW_MD)
    url = JAAPL_URL if johnson else raw["source_url"]
    out = rule(topic, raw["title"], raw["summary"], raw["citation"], status=status, source=source, url=url,
               details=raw["details"])
    out["as_of"] = raw["as_of"]
    if code == "US" or code in ("EU", "UK", "AU", "CA-ON"):
        out["authority"] = "federal_law" if code == "US" else "national_law"
    if johnson:
        basis = raw["details"].get("basis")
        out["authority"] = "case_law" if basis == "case_law" else "state_law"
        out["summary"] = raw["summary"].replace("The cited law sets", "The law sets") + \
            " (From a 2014 survey table; not checked against the statute.)"
    if code == "US" and topic == "retention":
        out["authority"] = "guideline"
        out["authority_label"] = "APA guideline, not state law"
    if code == "US" and topic in ("child_abuse_reporting", "elder_abuse_reporting"):
        out["authority"] = "state_law"
        out["authority_label"] = "A summary of all states' laws, not this state's statute"
    if code == "UK" and topic in ("retention", "duty_to_warn"):
        out["authority"] = "professional_standard" if topic == "duty_to_warn" else "guideline"
    return out


def place_name(data: dict[str, Any]) -> str:
    return data["name"].removeprefix("United States, ").removeprefix("Canada, ")


def main() -> None:
    for path in sorted(PACKS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        code = data["code"]
        if "quote" in data["rules"][0]:
            raise SystemExit(f"{path.name} is already migrated")
        rules = [migrate_rule(code, raw) for raw in data["rules"]]
        for (rcode, topic), new in RESEARCH.items():
            if rcode == code:
                rules = [r for r in rules if r["topic"] != topic] + new
        if code == "CA-ON":
            rules = [r for r in rules if r["topic"] != "retention"] + [ON_RETENTION]
        if code == "US":
            rules = rules + FEDERAL_NEW
        else:
            for topic in STATE_TOPICS:
                if not any(r["topic"] == topic for r in rules):
                    rules.append(stub(topic, place_name(data)))
        order = {t: i for i, t in enumerate(["duty_to_warn", "child_abuse_reporting", "elder_abuse_reporting",
                                             "minors_consent", "retention", "privilege", "breach_notification"])}
        rules.sort(key=lambda r: order.get(r["topic"], 99))  # stable: research order kept within a topic
        data["rules"] = rules
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
