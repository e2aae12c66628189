"""Research added after the migration (issue 14): each rule below was read in the quoted text at its URL.

Run from the repository root: `python scripts/pack_research.py`. For every (pack, topic) listed it
replaces the pack's own rules on that topic with the researched ones; running it twice changes
nothing. The helpers and the rule format come from `pack_evidence_migration.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from pack_evidence_migration import PACKS, rule  # noqa: E402


def duty(code: str, title: str, summary: str, citation: str, source: str, url: str, quote: str, *,
         klass: str = "mandatory", must: list[str] | None = None, may: list[str] | None = None,
         applies_to: list[str] | None = None, **extra: Any) -> tuple[str, str, list[dict[str, Any]]]:
    details: dict[str, Any] = {"class": klass, "basis": "statute", "must_tell": must or [], "may_tell": may or []}
    details.update(extra)
    return code, "duty_to_warn", [rule("duty_to_warn", title, summary, citation, status="confirmed", source=source,
                                       url=url, quote=quote, applies_to=applies_to, details=details)]


RESEARCH: list[tuple[str, str, list[dict[str, Any]]]] = [
    duty("US-CO", "Duty to warn and protect: mandatory (including places and entities)",
         "When a patient communicates a serious threat of imminent physical violence against a specific person or "
         "persons (including those identifiable by their association with a specific location or entity), the "
         "mental health provider must make reasonable and timely efforts to notify the person (or the person "
         "responsible for the location or entity) and an appropriate law enforcement agency, or take other "
         "appropriate action such as hospitalization.",
         "C.R.S. 13-21-117(2)", "C.R.S. 13-21-117 (Justia, 2022 Colorado Code)",
         "https://law.justia.com/codes/colorado/2022/title-13/article-21/part-1/section-13-21-117/",
         "the mental health provider shall make reasonable and timely efforts to notify the person or persons, or the "
         "person or persons responsible for a specific location or entity, that is specifically threatened, as well "
         "as to notify an appropriate law enforcement agency or to take other appropriate action",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS"),
    duty("US-ID", "Duty to warn: mandatory",
         "The duty arises only in the circumstances of Idaho Code 6-1902 and is discharged by a reasonable, timely "
         "effort to tell the victim and notifying the law enforcement agency closest to the patient's or victim's "
         "residence; for a minor victim, also the parents or guardian.",
         "Idaho Code 6-1902, 6-1903", "Idaho Code 6-1903 (legislature.idaho.gov)",
         "https://legislature.idaho.gov/statutesrules/idstat/title6/t6ch19/sect6-1903",
         "The duty to warn a clearly identifiable victim shall be discharged when the mental health professional has "
         "made a reasonable effort to communicate, in a reasonable timely manner, the threat to the victim and has "
         "notified the law enforcement agency closest to the patient's or victim's residence",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS"),
    duty("US-IN", "Duty to warn or take reasonable precautions: mandatory",
         "The duty arises only in the limited circumstances of IC 34-30-16-1 (an actual threat against a reasonably "
         "identifiable victim, or conduct or statements indicating imminent danger) and is discharged by one or more "
         "of: reasonable attempts to tell the victim, notifying the police, seeking civil commitment, or other "
         "listed steps.",
         "Ind. Code 34-30-16-1, -2", "IC 34-30-16-2 (onecle copy)", "https://law.onecle.com/indiana/34/34-30-16-2.html",
         "The duty is discharged by a mental health service provider who takes one (1) or more of the following "
         "actions: (1) Makes reasonable attempts to communicate the threat to the victim or victims. (2) Makes "
         "reasonable efforts to notify a police department",
         may=["person_at_risk", "law_enforcement"], classification_2014="MS",
         how_met="one or more of: tell the victim, notify police, seek commitment, other listed steps"),
    duty("US-KY", "Duty to warn: mandatory",
         "When a patient communicates an actual threat of physical violence against a clearly identified or "
         "reasonably identifiable victim (or of a specific violent act), the duty is discharged by reasonable "
         "efforts to tell the victim and to notify the police department closest to the patient's and victim's "
         "residence (law enforcement alone when no victim is identifiable), or by seeking civil commitment.",
         "KRS 202A.400; KRS 645.270 (minors)", "KRS 202A.400 (laws9.com copy)",
         "https://www.laws9.com/statutes/kentucky/202A00/400",
         "The duty to warn a clearly or reasonably identifiable victim shall be discharged by the mental health "
         "professional if reasonable efforts are made to communicate the threat to the victim, and to notify the "
         "police department closest to the patient's and the victim's residence of the threat of violence.",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS"),
    duty("US-LA", "Duty to warn: mandatory",
         "When a patient communicates a threat of physical violence, significant in the clinician's judgment, against "
         "a clearly identified victim with apparent intent and ability, the psychologist, psychiatrist, marriage and "
         "family therapist, licensed professional counselor or social worker discharges the duty by a reasonable "
         "effort to tell the victim and to notify law enforcement near the patient's or victim's residence.",
         "La. R.S. 9:2800.2", "La. R.S. 9:2800.2 (legalfix.com copy)",
         "https://legalfix.com/statutes/state-codes/louisiana/code-revisedstatutes/title-9/rs-9-2800%2E2",
         "This duty shall be discharged by the psychologist, psychiatrist, or marriage and family therapist, or "
         "licensed professional counselor, or social worker if the treating professional makes a reasonable effort "
         "to communicate the threat to the potential victim or victims and to notify law enforcement authorities",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS"),
    duty("US-MA", "Duty to take reasonable precautions: mandatory",
         "A licensed mental health professional owes a duty to take reasonable precautions (as defined in c. 123 s. 1) "
         "when the patient communicates an explicit threat to kill or inflict serious bodily injury on a reasonably "
         "identified victim with apparent intent and ability, or has a known history of violence and there is a "
         "clear and present danger to a reasonably identified victim.",
         "M.G.L. c. 123, s. 36B", "M.G.L. c. 123 s. 36B (instalawyer.io copy)",
         "https://instalawyer.io/laws/massachusetts-general-laws/section-36b-duty-to",
         "the patient has communicated to the licensed mental health professional an explicit threat to kill or "
         "inflict serious bodily injury upon a reasonably identified victim or victims and the patient has the "
         "apparent intent and ability to carry out the threat",
         may=["person_at_risk", "law_enforcement"], classification_2014="MS",
         how_met="reasonable precautions as defined in M.G.L. c. 123, s. 1 (not read)"),
    duty("US-MI", "Duty to take action: mandatory",
         "When a patient communicates a threat of physical violence against a reasonably identifiable third person "
         "with apparent intent and ability, the mental health professional must act, in a timely manner, by one or "
         "more of: hospitalizing the patient (or starting proceedings); a reasonable attempt to tell the third "
         "person and telling the police or sheriff; for a minor, also the county social services and parents.",
         "MCL 330.1946", "MCL 330.1946 (legalfix.com copy)",
         "https://legalfix.com/statutes/state-codes/michigan/chapter-330/statute-act-258-of-1974/division-258-1974-9/section-330-1946",
         "If a patient communicates to a mental health professional who is treating the patient a threat of physical "
         "violence against a reasonably identifiable third person and the recipient has the apparent intent and "
         "ability to carry out that threat in the foreseeable future, the mental health professional has a duty to "
         "take action",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS"),
    duty("US-MN", "Duty to warn: mandatory (psychologists; MFTs and counselors alike)",
         "The duty arises when a client or other person communicates a specific, serious threat of physical violence "
         "against a specific, clearly identified or identifiable victim, and is discharged by reasonable efforts to "
         "tell the victim or, if the victim cannot be reached, the nearest law enforcement agency (148.975 for "
         "psychologists; 148B.391 for marriage and family therapists and professional counselors).",
         "Minn. Stat. 148.975; 148B.391", "Minn. Stat. 148.975 (revisor.mn.gov, 2007 text)",
         "https://www.revisor.mn.gov/statutes/?id=148.975&year=2007",
         "The duty to predict, warn of, or take reasonable precautions to provide protection from, violent behavior "
         "arises only when a client or other person has communicated to the licensee a specific, serious threat of "
         "physical violence against a specific, clearly identified or identifiable potential victim.",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS",
         also_read="https://instalawyer.io/laws/minnesota-statutes/section-148b391-duty-to"),
    duty("US-MT", "Duty to warn: mandatory, narrow",
         "A mental health professional has a duty to warn only if the patient communicated an actual threat of "
         "physical violence by specific means against a clearly identified or reasonably identifiable victim. How the "
         "duty is met (27-1-1102's discharge clause) was not read.",
         "MCA 27-1-1102", "MCA 27-1-1102 as quoted in Woods v. State, 2015 MT 8 (case summary)",
         "https://brennanlawandmediation.com/woods-v-state-ex-rel-montana-state-hospital/",
         "only if the patient has communicated to the mental health professional an actual threat of physical "
         "violence by specific means against a clearly identified or reasonably identifiable victim",
         classification_2014="MS"),
    duty("US-NE", "Duty to warn: mandatory",
         "When a patient communicates a serious threat of physical violence against himself or herself or a "
         "reasonably identifiable victim, the duty is discharged by reasonable efforts to communicate the threat to "
         "the victim and to a law enforcement agency.",
         "Neb. Rev. Stat. 38-2137", "Neb. Rev. Stat. 38-2137 (nebraskalegislature.gov)",
         "https://nebraskalegislature.gov/laws/statutes.php?statute=38-2137&print=true",
         "The duty shall be discharged by the mental health practitioner if reasonable efforts are made to "
         "communicate the threat to the victim or victims and to a law enforcement agency.",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS"),
    duty("US-NJ", "Duty to warn and protect: mandatory",
         "Licensed psychologists, psychiatrists, physicians, nurses, clinical social workers and marriage and family "
         "therapists incur a duty to warn and protect when a patient communicates a threat of imminent, serious "
         "physical violence against a readily identifiable individual or against himself and a reasonable "
         "professional would believe the patient intends to carry it out. A 2018 amendment (not read) is reported to "
         "add notice to law enforcement.",
         "N.J.S.A. 2A:62A-16(b)", "N.J. S2614 (2016, introduced) restating N.J.S.A. 2A:62A-16",
         "https://www.legiscan.com/NJ/text/S2614/2016",
         "A duty to warn and protect is incurred when the following conditions exist: (1) The patient has "
         "communicated to that practitioner a threat of imminent, serious physical violence against a readily "
         "identifiable individual or against himself",
         classification_2014="MS",
         caveat="Quote read in a 2016 bill restating the statute; the 2018 amendment was not read."),
    duty("US-TN", "Duty to warn or protect, and to report to police: mandatory",
         "When a service recipient communicates an intent or actual threat of bodily harm against a clearly "
         "identified victim or a group of people, and the professional judges the recipient able and likely to carry "
         "it out, the qualified mental health professional must take reasonable care to warn or protect the victim "
         "or group and report the threat to local law enforcement (or 988 or the local crisis service when the threat "
         "is general and not imminent). Inpatient hospitalization discharges the duty. 33-3-210 also requires an "
         "immediate report to local law enforcement of an actual threat of serious bodily harm or death.",
         "Tenn. Code 33-3-206, 33-3-210", "Tenn. Code 33-3-206 (casetext, through Acts 2023-2024)",
         "https://casetext.com/statute/tennessee-code/title-33-mental-health-and-substance-abuse-and-intellectual-and-developmental-disabilities/chapter-3-general-rules-applicable-to-service-recipients/part-2-special-liability-rules/section-33-3-206-duty-to-predict-warn-or-take-precautions-to-provide-protection-liability",
         "The professional or analyst shall: (A) Take reasonable care to warn of or take precautions to protect the "
         "identified victim or group of people from the service recipient's violent behavior, AND (B) Report the "
         "threat to: (i) The local law enforcement agency",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS",
         also_read="https://law.justia.com/codes/tennessee/2021/title-33/chapter-3/part-2/section-33-3-210/"),
    duty("US-UT", "Duty to warn: mandatory",
         "A therapist (psychiatrist, psychologist, marriage and family therapist, social worker, psychiatric nurse "
         "specialist, clinical mental health counselor) has a duty only when the client communicates an actual threat "
         "of physical violence against a clearly identified or reasonably identifiable victim; it is discharged by "
         "reasonable efforts to tell the victim and notifying a law enforcement officer or agency.",
         "Utah Code 78B-3-502", "Utah Code 78B-3-502 (lawserver copy, as amended 2022)",
         "https://www.lawserver.com/law/state/utah/ut-code/utah_code_78b-3-502",
         "That duty shall be discharged if the therapist makes reasonable efforts to communicate the threat to the "
         "victim, and notifies a law enforcement officer or agency of the threat.",
         must=["person_at_risk", "law_enforcement"], classification_2014="MS"),
]


def minors(code: str, title: str, summary: str, citation: str, source: str, url: str, quote: str | None, *,
           min_age: int, conditions: str, status: str = "confirmed") -> tuple[str, str, list[dict[str, Any]]]:
    return code, "minors_consent", [rule("minors_consent", title, summary, citation, status=status, source=source,
                                         url=url, quote=quote,
                                         details={"min_age": min_age, "conditions": conditions})]


RESEARCH += [
    minors("US-FL", "Minors 13 and older: outpatient crisis services, with limits",
           "A minor 13 or older who experiences an emotional crisis may request, consent to and receive outpatient "
           "diagnostic and evaluative services (at most two visits a week before parental consent is needed) and "
           "outpatient crisis intervention, therapy and counseling from a licensed mental health professional; "
           "medication and somatic methods are excluded.",
           "Fla. Stat. 394.4784", "Fla. Stat. 394.4784 (2024, leg.state.fl.us)",
           "https://www.leg.state.fl.us/statutes/index.cfm?App_mode=Display_Statute&URL=0300-0399%2F0394%2FSections%2F0394.4784.html",
           "the disability of nonage is removed for any minor age 13 years or older to access services under the "
           "following circumstances",
           min_age=13, conditions="emotional crisis; diagnostic services limited to two visits a week before "
                                  "parental consent; no medication"),
    minors("US-TX", "Any age: counseling for suicide prevention, addiction or abuse",
           "A child may consent to counseling for suicide prevention, chemical addiction or dependency, or sexual, "
           "physical or emotional abuse. The physician, psychologist, counselor or social worker may advise the "
           "parents of the treatment given or needed, with or without the child's consent.",
           "Tex. Fam. Code 32.004", "Tex. Fam. Code 32.004 (legalfix.com copy)",
           "https://legalfix.com/statutes/state-codes/texas/family-code/title-2/subtitle-a/chapter-32/subchapter-a/section-32-004",
           "A child may consent to counseling for: (1) suicide prevention; (2) chemical addiction or dependency; or "
           "(3) sexual, physical, or emotional abuse.",
           min_age=0, conditions="suicide prevention, chemical dependency or abuse only; parents may be told"),
    minors("US-IL", "Minors 12 and older: outpatient counseling, 8 sessions before parental consent",
           "A minor 12 or older may request and receive outpatient counseling or psychotherapy without parental "
           "consent; for a minor under 17, services are limited to 8 sessions of 90 minutes until a parent "
           "consents, unless the provider finds that seeking consent would be detrimental to the minor.",
           "405 ILCS 5/3-5A-105", "Illinois Public Act 100-0614 (ilga.gov)",
           "https://witnessslips.ilga.gov/legislation/publicacts/fulltext.asp?Name=100-0614",
           "Any minor 12 years of age or older may request and receive counseling services or psychotherapy on an "
           "outpatient basis. The consent of the minor's parent, guardian, or person in loco parentis shall not be "
           "necessary",
           min_age=12, conditions="under 17: 8 sessions of 90 minutes before parental consent unless detrimental"),
    minors("US-CA", "Minors 12 and older, if mature enough (secondary)",
           "A minor 12 or older may consent to outpatient mental health treatment or counseling if, in the opinion of "
           "the attending professional, the minor is mature enough to participate intelligently (Fam. Code 6924 as "
           "amended from 1 July 2024; H&S 124260). Parents are involved unless the professional finds it "
           "inappropriate; psychotropic drugs and inpatient care need parental consent.",
           "Cal. Fam. Code 6924; Cal. Health & Safety Code 124260",
           "California Board of Behavioral Sciences, bill analysis of AB 665 (2023)",
           "https://coralberryevents.com/lowest-ages-of-consent-9617", None, status="secondary",
           min_age=12, conditions="mature enough in the professional's opinion; parents involved unless "
                                  "inappropriate; no psychotropic drugs"),
]


RESEARCH += [
    ("US-NY", "retention", [rule(
        "retention", "Clinical records: 6 years; minors until at least 22",
        "Unless other law provides otherwise, licensees in the listed professions (including psychology, mental "
        "health counseling, marriage and family therapy and social work) keep each patient's record at least 6 "
        "years; a minor's at least 6 years and until one year after the patient turns 21.",
        "8 NYCRR 29.2(a)(3)", status="confirmed", source="8 NYCRR 29.2 (Westlaw government edition)",
        url="https://govt.westlaw.com/nycrr/Document/Ieca41af2c22111dd97adcd755bda2840?viewType=FullText&originationContext=documenttoc&transitionType=CategoryPageItem&contextData=(sc.Default)",
        quote="Unless otherwise provided by law, all patient records must be retained for at least six years. "
              "Obstetrical records and records of minor patients must be retained for at least six years, and until "
              "one year after the minor patient reaches the age of 21 years",
        details={"adult_years": 6, "minor_until_age": 22, "minor_rule": "until age 22",
                 "formula": "max(last contact + 6 years, 22nd birthday)"})]),
    ("US-CA", "retention", [rule(
        "retention", "Psychologists: 7 years after discharge; minors 7 years after 18",
        "A licensed psychologist keeps a patient's health service records at least 7 years from discharge; a minor's "
        "at least 7 years from the 18th birthday (age 25). Licensed educational psychologists have the same rule "
        "(B&P 4989.51); the team's notes say SB 578 (2014) set it for LMFTs, LCSWs and LPCCs too, which was not read.",
        "Cal. Bus. & Prof. Code 2919", status="confirmed",
        source="AB 2257 (2006), chaptered text adding B&P 2919 (leginfo.ca.gov)",
        url="https://www.leginfo.ca.gov/pub/05-06/statute/ch_0051-0100/ch_89_st_2006_ab_2257",
        quote="A licensed psychologist shall retain a patient's health service records for a minimum of seven years "
              "from the patient's discharge date. If the patient is a minor, the patient's health service records "
              "shall be retained for a minimum of seven years from the date the patient reaches 18 years of age.",
        applies_to=["psychologist"],
        details={"adult_years": 7, "minor_until_age": 25, "minor_rule": "age 18 + 7 years",
                 "formula": "max(discharge + 7 years, 25th birthday)",
                 "also_read": "https://law.justia.com/codes/california/2018/code-bpc/division-2/chapter-13.5/article-4/section-4989.51/"})]),
    ("US-TX", "breach_notification", [rule(
        "breach_notification", "Breach: individuals within 60 days (AG within 30 days if 250+, secondary)",
        "A person doing business in Texas must tell each individual whose sensitive personal information was, or is "
        "reasonably believed to have been, acquired without unreasonable delay and not later than the 60th day after "
        "determining the breach. Notice to the attorney general within 30 days when 250 or more Texans are affected "
        "comes from a law firm's chart (Perkins Coie), not the statute text.",
        "Tex. Bus. & Com. Code 521.053(b)", status="confirmed",
        source="Tex. Bus. & Com. Code 521.053 (lawserver copy)",
        url="https://lawserver.com/law/state/texas/tx-codes/texas_business_and_commerce_code_521-053",
        quote="The disclosure shall be made without unreasonable delay and in each case not later than the 60th day "
              "after the date on which the person determines that the breach occurred",
        details={"individuals_days": 60, "authority": "Texas attorney general (secondary: 30 days, 250+ residents)",
                 "also_read": "https://www.perkinscoie.com/en/news-insights/security-breach-notification-chart-texas.html"})]),
    ("US-IL", "breach_notification", [rule(
        "breach_notification", "Breach: residents in the most expedient time possible; AG if 500+ (secondary)",
        "A data collector that owns or licenses personal information about an Illinois resident must tell the "
        "resident, at no charge, in the most expedient time possible and without unreasonable delay. Notice to the "
        "Attorney General when more than 500 residents are affected comes from a law firm's chart (Perkins Coie), "
        "not the statute text. Whether a HIPAA-compliant practice is treated as compliant was not read.",
        "815 ILCS 530/10(a)", status="confirmed",
        source="815 ILCS 530/10 (Illinois General Assembly)",
        url="https://witnessslips.ilga.gov/legislation/ilcs/documents/081505300K10.htm",
        quote="shall notify the resident at no charge that there has been a breach of the security of the system data "
              "following discovery or notification of the breach. The disclosure notification shall be made in the "
              "most expedient time possible and without unreasonable delay",
        details={"individuals_days": None, "authority": "Illinois Attorney General (secondary: more than 500 residents)",
                 "also_read": "https://perkinscoie.com/insights/publication/security-breach-notification-chart-illinois"})]),
    ("US-FL", "breach_notification", [rule(
        "breach_notification", "Breach: individuals within 30 days; Department of Legal Affairs if 500+ (secondary)",
        "Notice to each affected individual as expeditiously as practicable and no later than 30 days after "
        "determining the breach; notice to the Department of Legal Affairs within 30 days when 500 or more Florida "
        "residents are affected; no notice where an investigation reasonably finds no likely identity theft or "
        "financial harm (documented, kept 5 years). Medical and mental-health information is covered.",
        "Fla. Stat. 501.171", status="secondary",
        source="Davis Wright Tremaine, data breach statute summary: Florida",
        url="https://dwt.com/gcp/states/florida",
        details={"individuals_days": 30, "authority": "Florida Department of Legal Affairs", "authority_threshold": 500})]),
]


RESEARCH += [
    ("EU", "breach_notification", [rule(
        "breach_notification", "GDPR: supervisory authority within 72 hours; individuals when high risk",
        "Notify the competent supervisory authority without undue delay and, where feasible, within 72 hours of "
        "becoming aware of a personal data breach, unless it is unlikely to result in a risk to people's rights and "
        "freedoms (a late notice gives reasons). Tell the people affected without undue delay when the risk is high "
        "(Art. 34, not quoted here). Document every breach (Art. 33(5)).",
        "GDPR Art. 33(1); Art. 34", status="confirmed",
        source="Regulation (EU) 2016/679 Art. 33 (CommonAccord text)",
        url="https://source.commonaccord.org/index.php?action=s&file=G/EU-GDPR-Law-CmA/Sec/Article/33.md",
        quote="the controller shall without undue delay and, where feasible, not later than 72 hours after having "
              "become aware of it, notify the personal data breach to the supervisory authority competent in "
              "accordance with Article 55, unless the personal data breach is unlikely to result in a risk",
        authority="national_law",
        details={"authority_hours": 72, "authority": "the supervisory authority", "individuals": "when high risk"})]),
    ("AU", "breach_notification", [rule(
        "breach_notification", "Notifiable Data Breaches: assess within 30 days; notify OAIC and people as soon as practicable",
        "An entity that suspects an eligible data breach must take all reasonable steps to finish an assessment within "
        "30 days (s 26WH). Once it believes there is one, it must prepare a statement and give it to the Commissioner "
        "as soon as practicable (s 26WK) and notify the individuals concerned or at risk (s 26WL). Private health "
        "service providers are covered whatever their turnover.",
        "Privacy Act 1988 (Cth) ss 26WH, 26WK, 26WL", status="confirmed",
        source="Privacy Act 1988 s 26WH (zoelaw.ai copy); s 26WL (ATO legal database)",
        url="https://zoelaw.ai/legislation/privacy-act-1988/sections/26WH",
        quote="take all reasonable steps to ensure that the assessment is completed within 30 days after the entity "
              "becomes aware",
        authority="national_law",
        details={"assessment_days": 30, "authority": "the Office of the Australian Information Commissioner",
                 "also_read": "https://www.ato.gov.au/law/view/document?LocID=%2522PAC%252F19880119%252F26WL%2522"})]),
    ("CA-ON", "breach_notification", [rule(
        "breach_notification", "PHIPA: notify the individual at the first reasonable opportunity; the IPC in set cases",
        "A health information custodian must notify the individual at the first reasonable opportunity when their "
        "personal health information is stolen or lost or used or disclosed without authority, saying they may "
        "complain to the Information and Privacy Commissioner; since 1 October 2017 the custodian must also notify "
        "the Commissioner in the cases set out in O. Reg. 329/04 s. 6.3 (snooping, theft, further disclosure, "
        "patterns).",
        "PHIPA s. 12(2), 12(3); O. Reg. 329/04 s. 6.3", status="secondary",
        source="Mondaq (Frelick & Raphael, 2017) and BLG (2017) summaries of PHIPA s. 12",
        url="https://mondaq.com/canada/x/588030/data+protection/Mandatory+Notice+Requirements+Under+PHIPA+And+Public+Consultation+On+Proposed+Regulation+Regarding+Notices+To+The+Commissioner",
        authority="national_law",
        details={"authority": "the Information and Privacy Commissioner of Ontario", "individuals": "notify"})]),
]


def child(code: str, title: str, summary: str, citation: str, source: str, url: str, quote: str, *,
          agency: str, deadline: str) -> tuple[str, str, list[dict[str, Any]]]:
    return code, "child_abuse_reporting", [rule(
        "child_abuse_reporting", title, summary, citation, status="confirmed", source=source, url=url, quote=quote,
        details={"mandated": True, "agency": agency, "deadline": deadline})]


RESEARCH += [
    child("US-CA", "Child abuse: mandated reporters report at once by phone, in writing within 36 hours",
          "A mandated reporter (the list in Penal Code 11165.7, not read here, includes psychologists, marriage and "
          "family therapists, clinical social workers and counselors) who knows or reasonably suspects child abuse "
          "or neglect in their professional capacity must report to a police or sheriff's department, county "
          "probation (if designated) or county welfare department: by telephone immediately or as soon as "
          "practicably possible, and a written follow-up within 36 hours.",
          "Cal. Penal Code 11166(a); 11165.9", "Cal. Penal Code 11166 (leginfo.legislature.ca.gov, SB 360 compare)",
          "https://leginfo.legislature.ca.gov/faces/billVersionsCompareClient.xhtml?bill_id=201920200SB360",
          "The mandated reporter shall make an initial report by telephone to the agency immediately or as soon as "
          "is practicably possible, and shall prepare and send, fax, or electronically transmit a written followup "
          "report within 36 hours of receiving the information concerning the incident.",
          agency="police or sheriff, county probation (if designated) or county welfare department",
          deadline="phone immediately; written within 36 hours"),
    child("US-TX", "Child abuse: professionals report within 48 hours",
          "Any person who believes a child's health or welfare has been adversely affected by abuse or neglect must "
          "report immediately; a professional (licensed or certified, with direct contact with children) must report "
          "within 48 hours of first suspecting it and may not delegate the report. Reports go to the Department of "
          "Family and Protective Services (hotline) or law enforcement.",
          "Tex. Fam. Code 261.101(a), (b)", "Texas Children's Commission Bench Book, Making a Report",
          "https://benchbook.texaschildrenscommission.gov/library_item/gov.texaschildrenscommission.benchbook/6",
          "If a professional has cause to believe that a child has been abused or neglected or may be abused or "
          "neglected, the professional shall make a report no later than the 48th hour after the professional "
          "first suspects that the child has been abused or neglected.",
          agency="Department of Family and Protective Services or law enforcement", deadline="48 hours"),
    child("US-FL", "Child abuse: everyone reports immediately to the central abuse hotline",
          "Any person who knows or has reasonable cause to suspect child abuse, abandonment or neglect must report "
          "immediately to the Department of Children and Families central abuse hotline (in writing, by the toll-free "
          "number or electronically); health and mental health professionals must give their names.",
          "Fla. Stat. 39.201(1)", "Fla. Stat. 39.201 (2024, syfert.com copy)",
          "https://www.syfert.com/florida/statutes/0039.201.html",
          "A person is required to report immediately to the central abuse hotline established in s. 39.101, in "
          "writing, through a call to the toll-free telephone number, or through electronic reporting",
          agency="DCF central abuse hotline", deadline="immediately"),
    child("US-NY", "Child abuse: psychologists, social workers, LMFTs and LMHCs are mandated reporters",
          "Psychologists, social workers, licensed marriage and family therapists, licensed mental health "
          "counselors, licensed creative arts therapists and licensed psychoanalysts, among others, must report when "
          "they have reasonable cause to suspect that a child coming before them in their professional capacity is "
          "abused or maltreated (reports go to the Statewide Central Register; timing in s. 415, not read).",
          "N.Y. Soc. Serv. Law 413(1)(a)", "N.Y. Social Services Law 413 (nysenate.gov, 2024)",
          "https://www.nysenate.gov/legislation/laws/SOS/413",
          "The following persons and officials are required to report or cause a report to be made in accordance "
          "with this title when they have reasonable cause to suspect that a child coming before them in their "
          "professional or official capacity is an abused or maltreated child",
          agency="Statewide Central Register of Child Abuse and Maltreatment", deadline="not read (s. 415)"),
]


def elder(code: str, title: str, summary: str, citation: str, source: str, url: str, quote: str, *,
          agency: str, deadline: str) -> tuple[str, str, list[dict[str, Any]]]:
    return code, "elder_abuse_reporting", [rule(
        "elder_abuse_reporting", title, summary, citation, status="confirmed", source=source, url=url, quote=quote,
        details={"mandated": True, "agency": agency, "deadline": deadline})]


RESEARCH += [
    elder("US-CA", "Elder and dependent adult abuse: mandated reporters, phone at once, written in 2 working days",
          "Health practitioners (the statute's list includes psychologists, licensed clinical social workers and "
          "marriage and family therapists) and care custodians are mandated reporters. Abuse observed, told or "
          "reasonably suspected in their professional capacity must be reported by telephone immediately or as soon "
          "as practicably possible and in writing within two working days: to the long-term care ombudsman or law "
          "enforcement for a long-term care facility, otherwise to adult protective services or law enforcement.",
          "Cal. Welf. & Inst. Code 15630", "Cal. Welf. & Inst. Code 15630 (laws-info copy)",
          "https://statutes.laws-info.com/california/wic/15630-15632",
          "shall report the known or suspected instance of abuse by telephone immediately or as soon as practicably "
          "possible, and by written report sent within two working days",
          agency="adult protective services, law enforcement, or (facility) the long-term care ombudsman",
          deadline="phone immediately; written within two working days"),
    elder("US-TX", "Elder and disabled adult abuse: everyone reports immediately",
          "A person having cause to believe that an elderly person or a person with a disability is being abused, "
          "neglected or exploited must report immediately to the Department of Family and Protective Services (to "
          "the licensing agency for a state-regulated facility). The duty applies to mental health professionals "
          "despite confidentiality (48.051(c), not quoted).",
          "Tex. Hum. Res. Code 48.051", "Tex. Hum. Res. Code 48.051 (texas.public.law)",
          "https://texas.public.law/statutes/tex._human_resources_code_section_48.051",
          "a person having cause to believe that an elderly person, a person with a disability, or an individual "
          "receiving services from a provider as described by Subchapter F is in the state of abuse, neglect, or "
          "exploitation shall report the information required by Subsection (d) immediately to the department",
          agency="Department of Family and Protective Services", deadline="immediately"),
    elder("US-FL", "Vulnerable adult abuse: everyone, including mental health professionals, reports immediately",
          "Any person, expressly including health and mental health professionals and social workers, who knows or "
          "has reasonable cause to suspect that a vulnerable adult has been or is being abused, neglected or "
          "exploited must immediately report to the central abuse hotline.",
          "Fla. Stat. 415.1034(1)(a)", "Fla. Stat. 415.1034 (2023, leg.state.fl.us)",
          "https://www.leg.state.fl.us/statutes/index.cfm?App_mode=Display_Statute&URL=0400-0499/0415/Sections/0415.1034.html",
          "who knows, or has reasonable cause to suspect, that a vulnerable adult has been or is being abused, "
          "neglected, or exploited must immediately report such knowledge or suspicion to the central abuse hotline",
          agency="DCF central abuse hotline", deadline="immediately"),
    ("US-CA", "privilege", [rule(
        "privilege", "Psychotherapist-patient privilege: dangerous-patient exception",
        "California's psychotherapist-patient privilege (Evid. Code 1014) does not apply where the psychotherapist "
        "has reasonable cause to believe the patient is dangerous to self or to the person or property of another "
        "and disclosure is necessary to prevent the threatened danger (1024). Other exceptions (1016-1027) were not "
        "read.",
        "Cal. Evid. Code 1014, 1024", status="confirmed", source="Cal. Evid. Code 1024 (casetext)",
        url="https://casetext.com/statute/california-codes/california-evidence-code/division-8-privileges/chapter-4-particular-privileges/article-7-psychotherapist-patient-privilege/section-1024-patient-dangerous-to-himself-or-others",
        quote="There is no privilege under this article if the psychotherapist has reasonable cause to believe that the "
              "patient is in such mental or emotional condition as to be dangerous to himself or to the person or "
              "property of another and that disclosure of the communication is necessary to prevent the threatened "
              "danger.",
        details={"exceptions_read": ["dangerous patient (1024)"]})]),
]


def privilege(code: str, title: str, summary: str, citation: str, source: str, url: str, quote: str, *,
              applies_to: list[str] | None = None, **details: Any) -> tuple[str, str, list[dict[str, Any]]]:
    return code, "privilege", [rule("privilege", title, summary, citation, status="confirmed", source=source,
                                    url=url, quote=quote, applies_to=applies_to, details=details)]


RESEARCH += [
    privilege("US-FL", "Psychotherapist-patient privilege",
              "A patient may refuse to disclose, and prevent others from disclosing, confidential communications or "
              "records made for diagnosis or treatment of a mental or emotional condition with a psychotherapist "
              "(physicians, psychologists, clinical social workers, marriage and family therapists, mental health "
              "counselors and others). Exceptions (s. 90.503(4): hospitalization proceedings, court-ordered "
              "examinations, condition as claim or defense) were not read in full.",
              "Fla. Stat. 90.503", "Fla. Stat. 90.503 (floridarule.com copy)", "https://www.floridarule.com/90-503",
              "A patient has a privilege to refuse to disclose, and to prevent any other person from disclosing, "
              "confidential communications or records made for the purpose of diagnosis or treatment of the "
              "patient's mental or emotional condition",
              exceptions_read=[]),
    privilege("US-TX", "Mental health information privilege in civil cases (none in criminal cases)",
              "In a civil case a patient may refuse to disclose, and prevent others from disclosing, confidential "
              "communications with a professional and records of identity, diagnosis, evaluation or treatment. The "
              "rule is for civil cases; its exceptions (Rule 510(d)) and the confidentiality rules of H&S ch. 611 "
              "were not read in full.",
              "Tex. R. Evid. 510(b)", "Tex. R. Evid. 510 (casetext, as amended through 2024)",
              "https://print.casetext.com/rule/texas-court-rules/texas-rules-of-evidence/article-v-privileges/rule-510-mental-health-information-privilege-in-civil-cases",
              "In a civil case, a patient has a privilege to refuse to disclose and to prevent any other person from "
              "disclosing: (A) a confidential communication between the patient and a professional",
              civil_only=True),
    privilege("US-NY", "Psychologist and social worker privilege",
              "Communications between a licensed psychologist and client are privileged on the same basis as "
              "attorney and client (CPLR 4507); licensed master and clinical social workers may not be required to "
              "disclose client communications (CPLR 4508), with listed exceptions. Read as quoted in a law firm's "
              "articles; other professions (LMHC, LMFT) were not researched.",
              "N.Y. CPLR 4507, 4508", "CPLR 4507 and 4508 as quoted by Andy Chen Law",
              "https://andychenlaw.com/new-york-psychologist-privilege-cplr-section-4507/",
              "The confidential relations and communications between a psychologist registered under the provisions "
              "of article one hundred fifty-three of the education law and his client are placed on the same basis "
              "as those provided by law between attorney and client",
              applies_to=["psychologist", "social_worker"],
              also_read="https://andychenlaw.com/new-york-social-worker-privilege-cplr-section-4508/"),
]


RESEARCH += [
    duty("US-DE", "Duty to take precautions: mandatory; police notice permitted for dangerous patients",
         "A mental health services provider (physician, nurse, licensed counselor, psychologist, clinical social "
         "worker) can be liable for failing to take precautions when the patient communicated an explicit and "
         "imminent threat to kill or seriously injure a clearly identified victim, or to commit a specific violent "
         "act, with apparent intent and ability (16 Del. C. 5402). Separately, the provider may tell law enforcement "
         "when it concludes the patient is dangerous to others or to self, even without explicit threats (5403).",
         "16 Del. C. 5402, 5403", "16 Del. C. ch. 54 (delcode.delaware.gov)",
         "https://delcode.delaware.gov/title16/c054/index.shtml",
         "The patient has communicated to the mental health services provider, institution, agency, or hospital an "
         "explicit and imminent threat to kill or seriously injure a clearly identified victim",
         may=["law_enforcement"], classification_2014="MC",
         how_met="precautions under 5402(b), not read",
         also_read="https://courtgpt.ai/laws/delaware/title-16/chapter-54/section-5403"),
    duty("US-IA", "Duty to tell law enforcement of an imminent threat",
         "A mental health professional may disclose to a law enforcement professional, in good faith, what is needed "
         "to prevent or lessen a serious and imminent threat to the individual or a clearly identifiable victim when "
         "the individual has the apparent intent and ability; the professional is liable for not disclosing only "
         "where the individual communicated an imminent threat of physical violence, and the duty is discharged by "
         "reasonable efforts to tell law enforcement.",
         "Iowa Code 228.7A", "Iowa Code 228.7A (lawserver copy)", "https://www.lawserver.com/law/state/iowa/ia-code/iowa_code_228-7a",
         "A mental health professional discharges the professional's duty to disclose pursuant to subsection 1 by "
         "making reasonable efforts to communicate the threat to a law enforcement professional.",
         must=["law_enforcement"], classification_2014="MC"),
    ("US-WV", "duty_to_warn", [
        rule("duty_to_warn", "Permissive: disclosure to protect against imminent injury (secondary)",
             "Confidential mental health information may be disclosed without consent to protect against a clear and "
             "substantial danger of imminent injury by a patient or client to self or another (W. Va. Code 27-3-1, as "
             "summarised by HealthInfoLaw; the statute text was not read).",
             "W. Va. Code 27-3-1(b)", status="secondary",
             source="HealthInfoLaw.org summary of W.Va. Code 27-3-1, 27-3-2 (2015)",
             url="https://www.healthinfolaw.org/state-law/wva-code-%C2%A7-27-3-1-27-3-2-definition-confidential-information-disclosure",
             details={"class": "permissive", "basis": "statute", "classification_2014": "P"}),
        rule("duty_to_warn", "Social workers: may disclose to protect from clear, imminent risk of serious harm",
             "A licensed social worker may disclose a communication that reveals the intended commission of a crime or "
             "harmful act when the social worker judges disclosure necessary to protect any person from a clear, "
             "imminent risk of serious mental or physical harm or injury, or to forestall a serious threat to public "
             "safety.",
             "W. Va. Code 30-30-24(a)(4)", status="confirmed", source="W. Va. Code 30-30-24 (lexace.ai copy)",
             url="https://lexace.ai/us/statute/west-virginia/30-30-24",
             quote="When a communication reveals the intended commission of a crime or harmful act and such disclosure "
                   "is judged necessary by the social worker to protect any person from a clear, imminent risk of "
                   "serious mental or physical harm or injury",
             applies_to=["social_worker"], details={"class": "permissive", "basis": "statute"}),
    ]),
]


RESEARCH += [
    duty("US-IL", "Permissive: disclosure in the therapist's sole discretion to protect against clear, imminent risk",
         "Records and communications may be disclosed when, and to the extent, the therapist in his or her sole "
         "discretion determines disclosure is necessary to start or continue commitment proceedings or otherwise to "
         "protect the recipient or another person against a clear, imminent risk of serious physical or mental "
         "injury, disease or death. No duty to warn is stated there.",
         "740 ILCS 110/11(ii)", "740 ILCS 110/11 (ilga.gov, text before P.A. 103-969)",
         "https://ilga.gov/legislation/ilcs/documents/074001100K11.htm",
         "when, and to the extent, a therapist, in his or her sole discretion, determines that disclosure is necessary "
         "to initiate or continue civil commitment or involuntary treatment proceedings under the laws of this State "
         "or to otherwise protect the recipient or other person against a clear, imminent risk of serious physical "
         "or mental injury",
         klass="permissive", may=["unspecified"], classification_2014="P",
         caveat="Text before the amendment by P.A. 103-969, which was not read."),
    duty("US-OR", "Permissive: no privilege for a serious intent to commit a violent crime; no duty to report",
         "There is no psychotherapist, physician or social worker privilege for communications that, in the "
         "professional's judgment, reveal a clear and serious intent to commit a crime involving physical injury, a "
         "threat to physical safety, sexual abuse or death, where the person poses a danger and the professional "
         "reports it; the section expressly creates no duty to report, and neither disclosing nor not disclosing "
         "creates civil liability. Licensing statutes for social workers (675.580) and counselors and MFTs (675.765) "
         "also allow disclosure of an intent to commit a crime or harmful act.",
         "ORS 40.252; 675.580; 675.765", "ORS 40.252 (onecle copy, 2007 text)",
         "https://law.onecle.com/oregon/40-evidence-code/40.252.html",
         "The provisions of this section do not create a duty to report any communication to any person.",
         klass="permissive", may=["unspecified"], classification_2014="P",
         also_read="https://oregon.public.law/statutes/ors_675.765"),
]


RESEARCH += [
    ("UK", "retention", [rule(
        "retention", "NHS Code: mental health and psychology records 20 years (secondary)",
        "The NHS Records Management Code of Practice 2021 (England) keeps mental health records, including "
        "psychology records, 20 years after treatment ends or 10 years after death; children's records until the "
        "25th birthday (26th if 17 when treatment ended); other adult records 8 years. It binds NHS bodies and those "
        "under contract to them; for private counsellors it is a guideline. Read in the MDU's summary of the Code.",
        "NHS Records Management Code of Practice 2021, Appendix II", status="secondary",
        source="MDU summary of the Records Management Code of Practice 2021",
        url="https://themdu.com/guidance-and-advice/latest-updates-and-advice/updated-guidance-on-medical-records-management-and-retention",
        authority="guideline", label="NHS code of practice (guideline for private practice), not a statute",
        details={"adult_years": 20, "minor_until_age": 26, "minor_rule": "until the 25th/26th birthday (26th used)",
                 "formula": "max(last contact + 20 years, 26th birthday)", "after_death_years": 10})]),
    ("UK", "duty_to_warn", [rule(
        "duty_to_warn", "BACP Ethical Framework: safeguarding from serious harm may override confidentiality",
        "The BACP Ethical Framework lets members override a client's wishes and confidentiality to protect the client "
        "or others from serious harm or to comply with the law, usually after consulting the client where that is "
        "legally permitted and ethically desirable. It is a professional body's standard, not a statute; UK law on "
        "public-interest disclosure was not researched.",
        "BACP Ethical Framework for the Counselling Professions, commitments 9-10", status="confirmed",
        source="BACP, Ethical Framework: Putting clients first (bacp.co.uk)",
        url="https://www.bacp.co.uk/events/learning_programmes/ethical_framework/putting_clients.php",
        quote="When the safeguarding of our clients or others from serious harm takes priority over our commitment to "
              "putting our clients' wishes and confidentiality first, we will usually consult with any client "
              "affected, if this is legally permitted and ethically desirable.",
        authority="professional_standard", label="BACP professional standard, not law",
        details={"class": "permissive", "basis": "professional_code"})]),
    ("AU", "duty_to_warn", [rule(
        "duty_to_warn", "Privacy Act: use or disclosure permitted to lessen a serious threat (secondary)",
        "A 'permitted general situation' (Privacy Act s 16A) allows use or disclosure of personal information when it "
        "is unreasonable or impracticable to get consent and the entity reasonably believes it is necessary to "
        "lessen or prevent a serious threat to the life, health or safety of any individual, or to public health "
        "or safety. It permits; it does not require. State and territory law was not researched.",
        "Privacy Act 1988 (Cth) s 16A; APP 6.2(c)", status="secondary",
        source="OAIC, Australian Privacy Principles guidelines, Chapter C: Permitted general situations",
        url="https://oaic.gov.au/privacy/australian-privacy-principles/australian-privacy-principles-guidelines/chapter-c-permitted-general-situations",
        authority="national_law", details={"class": "permissive", "basis": "statute"})]),
    ("CA-ON", "duty_to_warn", [rule(
        "duty_to_warn", "PHIPA: disclosure permitted to reduce a significant risk of serious bodily harm (secondary)",
        "A health information custodian may disclose personal health information, even against the client's "
        "instructions, if it believes on reasonable grounds that disclosure is necessary to eliminate or reduce a "
        "significant risk of serious bodily harm to a person or group (PHIPA s. 40(1)). Whether a common-law duty to "
        "warn applies was not researched.",
        "PHIPA s. 40(1)", status="secondary",
        source="Miller Thomson, Consent and the Personal Health Information Protection Act (paper); CRPO "
               "jurisprudence manual",
        url="https://www.yumpu.com/en/document/view/31506513/consent-and-the-personal-health-information-miller-thomson/23",
        authority="national_law", details={"class": "permissive", "basis": "statute",
                                           "also_read": "https://crpo.ca/apply-to-crpo/how-to-apply/jurisprudence-e-learning-manual/part-2-practice-standards/"})]),
]


CEP_VA = ("Center for Ethical Practice, Statutory Reporting Requirements for Virginia Mental Health Professionals "
          "(table, 2013)")
CEP_VA_URL = "https://www.centerforethicalpractice.org/Virginia_reporting_laws"
RESEARCH += [
    ("US-VA", "child_abuse_reporting", [rule(
        "child_abuse_reporting", "Child abuse: report to local social services within 24 hours (secondary)",
        "A mental health professional with reason to suspect that a child is abused or neglected must report to the "
        "local Department of Social Services (or the state hotline); a penalty applies if the report is not made "
        "within 24 hours of first suspicion.",
        "Va. Code 63.2-1509", status="secondary", source=CEP_VA, url=CEP_VA_URL,
        details={"mandated": True, "agency": "local Department of Social Services or state hotline",
                 "deadline": "within 24 hours"})]),
    ("US-VA", "elder_abuse_reporting", [rule(
        "elder_abuse_reporting", "Aged or incapacitated adult abuse: report to local social services (secondary)",
        "A mental health professional who knows matters giving reason to suspect abuse, neglect or exploitation of an "
        "aged or incapacitated adult must report to the local Department of Social Services, unless they actually "
        "know the same matter was already reported.",
        "Va. Code 63.2-1606", status="secondary", source=CEP_VA, url=CEP_VA_URL,
        details={"mandated": True, "agency": "local Department of Social Services", "deadline": "not recorded"})]),
]


RESEARCH += [
    child("US-IL", "Child abuse: mandated reporters report immediately to DCFS",
          "Mandated reporters, including registered psychologists and social workers (the Child Welfare Information "
          "Gateway's summary adds professional counselors and marriage and family therapists), who have reasonable "
          "cause to believe that a child known to them in their professional capacity may be abused or neglected "
          "must immediately report to the Department of Children and Family Services (State Central Register "
          "hotline).",
          "325 ILCS 5/4; 89 Ill. Adm. Code 300.30", "89 Ill. Adm. Code 300.30 (Justia, 2024)",
          "https://regulations.justia.com/states/illinois/title-89/part-300/section-300-30",
          "Any of the following individuals who have reasonable cause to believe that a child known to them in their "
          "professional or official capacity may be abused or neglected shall immediately report or cause a report "
          "to be made to the Department.",
          agency="DCFS State Central Register", deadline="immediately"),
    child("US-PA", "Child abuse: licensed health professionals report immediately; written report in 48 hours",
          "A person licensed or certified to practice in any health-related field under the Department of State is a "
          "mandated reporter (23 Pa.C.S. 6311(a)(1)) and must immediately make an oral report to the department's "
          "statewide hotline (or an electronic written report), and a written report within 48 hours after an oral "
          "report.",
          "23 Pa.C.S. 6311, 6313", "23 Pa.C.S. 6313 (legis.state.pa.us)",
          "https://www.legis.state.pa.us/WU01/LI/LI/CT/HTM/23/00.063.013.000..HTM",
          "A mandated reporter shall immediately make an oral report of suspected child abuse to the department via "
          "the Statewide toll-free telephone number under section 6332",
          agency="Department of Human Services (ChildLine)", deadline="immediately; written within 48 hours"),
    ("US-NY", "minors_consent", [rule(
        "minors_consent", "Minors: OMH-licensed outpatient programs may treat without parental consent, with conditions",
        "Parents' consent is normally required, but a mental health practitioner (a physician, a licensed "
        "psychologist, or staff supervised by a physician in a facility operated or licensed by the Office of Mental "
        "Health) may provide outpatient services to a minor voluntarily seeking them without parental consent when "
        "the conditions of subdivision (c) are met. There is no fixed age. Outside OMH-licensed settings the question "
        "is unresolved (NYCLU).",
        "N.Y. Mental Hyg. Law 33.21(c)", status="confirmed",
        source="N.Y. Mental Hygiene Law 33.21 (nysenate.gov)",
        url="https://nysenate.gov/legislation/laws/MHY/33.21",
        quote="A mental health practitioner may provide outpatient mental health services, other than those treatments "
              "and procedures for which consent is specifically required by section 33.03 of this article, to a "
              "minor voluntarily seeking such services without parental or guardian consent",
        applies_to=["psychologist", "psychiatrist"],
        details={"min_age": None, "conditions": "no fixed age; OMH-operated or licensed programs; 33.21(c) conditions",
                 "also_read": "https://www.nyclu.org/en/issues/reproductive-rights/minors-rights"})]),
]


RESEARCH += [
    minors("US-OR", "Minors 14 and older may obtain outpatient mental health treatment (secondary)",
           "A minor 14 or older may obtain outpatient mental health treatment without parental knowledge or consent "
           "(ORS 109.675, as listed by the Center for Ethical Practice; the statute's conditions, including parental "
           "involvement before the end of treatment, were not read).",
           "ORS 109.675", "Center for Ethical Practice, Oregon: Selected Statutes & Regulations Affecting Patient "
           "Confidentiality", "https://www.centerforethicalpractice.org/Oregon-confidentiality", None,
           status="secondary", min_age=14, conditions="outpatient; conditions in ORS 109.675 not read"),
]


RESEARCH += [
    minors("US-WA", "Adolescents 13 and older: outpatient treatment without parental consent",
           "Any adolescent (13 to 17) may request and receive outpatient treatment without a parent's consent; "
           "parental authorization is required for a minor under 13.",
           "RCW 71.34.530", "RCW 71.34.530 (instalawyer.io copy, as amended 2019)",
           "https://instalawyer.io/laws/revised-code-of-washington/7134530-outpatient-treatment-of",
           "Any adolescent may request and receive outpatient treatment without the consent of the adolescent's parent.",
           min_age=13, conditions="outpatient; parents' authorization needed under 13"),
    minors("US-CO", "Minors 12 and older: outpatient psychotherapy, if knowingly sought and clinically indicated",
           "A mental health professional may provide psychotherapy to a minor 12 or older without parental consent if "
           "the minor is knowingly and voluntarily seeking it and it is clinically indicated and necessary; parents "
           "may be told with the minor's consent, or without it if the minor cannot manage their care. (A separate "
           "rule for minors 15 and older, C.R.S. 27-65, was not read.)",
           "C.R.S. 12-245-203.5", "C.R.S. 12-245-203.5 (casetext, through 2024)",
           "https://casetext.com/statute/colorado-revised-statutes/title-12-professions-and-occupations/health-care-professions-and-occupations/article-245-mental-health/part-2-general-provisions/section-12-245-2035-minors-consent-for-outpatient-psychotherapy-services-immunity-definition",
           "a mental health professional may provide psychotherapy services, as defined in section 12-245-202(14)(a), "
           "to a minor who is twelve years of age or older, without the consent of the minor's parent or legal guardian",
           min_age=12, conditions="knowingly and voluntarily sought; clinically indicated; parents told with consent"),
    ("US-CA", "breach_notification", [rule(
        "breach_notification", "Breach: notify residents in the most expedient time possible",
        "A business that owns or licenses computerized personal information (which includes medical information) "
        "must tell each California resident whose unencrypted data was, or is reasonably believed to have been, "
        "acquired without authorization, in the most expedient time possible and without unreasonable delay. A "
        "sample notice goes to the Attorney General when more than 500 residents are notified (1798.82(f), read only "
        "in a summary).",
        "Cal. Civ. Code 1798.82(a), (f)", status="confirmed", source="Cal. Civ. Code 1798.82 (trellis.law copy)",
        url="https://trellis.law/state-rules/ca/laws/civil-code-civ/division-3-obligations/title-14-lien-2872-3081/chapter-2-mortgage-2920-2967/article-1-mortgages-in-general-2920-294410/292417/title-181-customer-records-179880-179884/179882",
        quote="The disclosure shall be made in the most expedient time possible and without unreasonable delay, "
              "consistent with the legitimate needs of law enforcement",
        details={"individuals_days": None, "authority": "California Attorney General (500+ residents)",
                 "authority_threshold": 500})]),
]


RESEARCH += [
    ("US-WA", "duty_to_warn", [rule(
        "duty_to_warn", "Duty to protect foreseeable victims of an outpatient (case law): mandatory",
        "The Washington Supreme Court held that a psychiatrist and his outpatient shared a special relationship that "
        "required him to act with reasonable care, consistent with the standards of the mental health profession, to "
        "protect the patient's foreseeable victims, even without a named target (Volk v. DeMeerleer, 2016). This is "
        "broader than the statute's duty in RCW 71.05.120; whether a 2017 bill (ESB 5800) to narrow it became law "
        "was not checked.",
        "Volk v. DeMeerleer, 187 Wn.2d 241 (2016); RCW 71.05.120", status="confirmed",
        source="Volk v. DeMeerleer, Supreme Court of Washington, No. 91387-1 (opinion text, cetient.com)",
        url="https://cetient.com/case/4110239/volk-v-demeerleer",
        quote="We hold that Ashby and DeMeerleer shared a special relationship and that special relationship required "
              "Ashby to act with reasonable care, consistent with the standards of the mental health profession, to "
              "protect the foreseeable victims of DeMeerleer.",
        authority="case_law",
        details={"class": "mandatory", "basis": "case_law", "must_tell": [], "may_tell": [],
                 "classification_2014": "MS",
                 "caveat": "ESB 5800 (2017) would have limited the duty to warn to actual threats; its fate was not "
                           "checked.",
                 "also_read": "https://lawfilesext.leg.wa.gov/Biennium/2017-18/Htm/Bill%20Reports/House/5800.E%20HBA%20JUDI%2017.htm"})]),
]


# Evidence added to existing rules without changing what they say: (pack, topic, source, url, quote).
PATCHES: list[tuple[str, str, str, str, str]] = [
    ("US", "breach_notification", "45 CFR 164.404(b) (as quoted by HIPAA Templates)",
     "https://hipaatemplates.com/faq-items/timeliness-of-notification/",
     "a covered entity shall provide the notification required by paragraph (a) of this section without unreasonable "
     "delay and in no case later than 60 calendar days after discovery of a breach"),
    ("US", "accounting_of_disclosures", "45 CFR 164.528 (GPO, 2004 edition)",
     "https://edocket.access.gpo.gov/cfr_2004/octqtr/45cfr164.528.htm",
     "An individual has a right to receive an accounting of disclosures of protected health information made by a "
     "covered entity in the six years prior to the date on which the accounting is requested"),
    ("US", "right_of_access", "45 CFR 164.524 (GPO, 2003 edition); HHS access guidance on 164.524(b)(2)",
     "https://edocket.access.gpo.gov/cfr_2003/octqtr/45cfr164.524.htm",
     "an individual has a right of access to inspect and obtain a copy of protected health information about the "
     "individual in a designated record set, for as long as the protected health information is maintained in the "
     "designated record set, except for: (i) Psychotherapy notes"),
    ("US", "psychotherapy_notes", "45 CFR 164.508 (GPO, 2004 edition)",
     "https://edocket.access.gpo.gov/cfr_2004/octqtr/45cfr164.508.htm",
     "a covered entity must obtain an authorization for any use or disclosure of psychotherapy notes, except"),
    ("US", "substance_use_records", "42 CFR 2.31(a) as amended in 2024 (text on GovRegs)",
     "https://www.govregs.com/regulations/expand/title42_chapterI_part2_subpartC_section2.31",
     "For a single consent for all future uses and disclosures for treatment, payment, and health care operations, "
     "the recipient may be described as \u201cmy treating providers, health plans, third-party payers, and people "
     "helping to operate this program\u201d or a similar statement."),
]


def apply_patches() -> None:
    for code, topic, source, url, quote in PATCHES:
        path = PACKS / f"{code}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        for raw in data["rules"]:
            if raw["topic"] == topic:
                raw.update(status="confirmed", source=source, source_url=url, quote=quote, checked_on="2026-12-03")
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    by_code: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}
    for code, topic, rules in RESEARCH:
        by_code.setdefault(code, []).append((topic, rules))
    for code, changes in by_code.items():
        path = PACKS / f"{code}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        for topic, rules in changes:
            first = next(i for i, r in enumerate(data["rules"]) if r["topic"] == topic)
            kept = [r for r in data["rules"] if r["topic"] != topic]
            data["rules"] = kept[:first] + rules + kept[first:]
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
    apply_patches()
