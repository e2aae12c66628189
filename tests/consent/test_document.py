"""The consent document: plain language, every exception the pack gives, versioned by fingerprint, PDF."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pypdf
import pytest
import textstat

from confide.consent import SignatureInfo, build_consent_document, build_consent_text, render_consent_pdf
from confide.consent.document import PolicyChoices
from confide.consent.models import ConsentPolicy
from confide.jurisdictions import load_pack
from confide.jurisdictions.loader import available_codes
from confide.practice.models import Practice

EVERYTHING = PolicyChoices(
    sees_minors=True,
    family_no_secrets=True,
    uses_messaging=True,
    bills_insurance=True,
    uses_supervision=True,
    destruction_method="crypto_shred_and_paper",
    complaint_contact="the practice owner, 555-0100",
)
NOTHING = PolicyChoices(
    sees_minors=False, family_no_secrets=False, uses_messaging=False, bills_insurance=False, uses_supervision=False
)
CODES = list(available_codes())  # every pack Confide ships: 50 states, DC, the US baseline, EU, UK, Ontario, Australia


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("policy", [EVERYTHING, NOTHING, PolicyChoices()], ids=["everything", "nothing", "default"])
def test_the_text_reads_at_grade_8_or_below(code: str, policy: PolicyChoices) -> None:
    text = build_consent_text(load_pack(code), policy, practice_name="Quiet Harbour Counselling")
    grade = textstat.flesch_kincaid_grade(text.as_plain_text())
    assert grade <= 8, f"{code}: grade {grade}"
    for section in text.sections:
        for paragraph in section.paragraphs:
            assert textstat.flesch_kincaid_grade(paragraph) <= 12, paragraph


def test_the_readability_measure_would_catch_legal_prose() -> None:
    # The test above can fail: the pack's own legal summaries read far above grade 8.
    summaries = " ".join(rule.summary for rule in load_pack("US").rules)
    assert textstat.flesch_kincaid_grade(summaries) > 8


def headings(code: str, policy: PolicyChoices) -> list[str]:
    return [s.heading for s in build_consent_text(load_pack(code), policy).sections]


def test_every_topic_the_issue_names_is_covered_when_the_practice_does_it() -> None:
    assert headings("US-CA", EVERYTHING) == [
        "What we keep private",
        "If someone may get hurt",
        "Abuse of a child or a vulnerable adult",
        "Court orders",
        "Talking with other experts",
        "Payment and insurance",
        "Young people and their parents",
        "Couples and families",
        "E-mail and text messages",
        "How long we keep your record",
        "Your rights",
    ]
    # California now has a rule of its own on every state topic; Georgia does not, so its text lists them.
    assert headings("US-GA", EVERYTHING)[-1] == "What we have not checked yet"
    missing = set(headings("US-CA", EVERYTHING)) - set(headings("US-CA", NOTHING))
    assert missing == {"Talking with other experts", "Young people and their parents"}


def section(code: str, heading: str, policy: PolicyChoices = EVERYTHING) -> str:
    text = build_consent_text(load_pack(code), policy)
    found = next(s for s in text.sections if s.heading == heading)
    return " ".join(found.paragraphs)


def test_the_duty_to_warn_class_of_the_pack_decides_the_wording() -> None:
    assert "the law here says we must act" in section("US-CA", "If someone may get hurt")
    assert "the law here lets us act" in section("US-TX", "If someone may get hurt")
    assert "must" not in section("US-KS", "If someone may get hurt")


def test_a_rule_that_is_not_confirmed_is_never_told_as_settled_law() -> None:
    # Georgia's duty is from a 2014 survey table (case law, no statute read): "may", and said so.
    georgia = section("US-GA", "If someone may get hurt")
    assert "the law here may require us to act" in georgia
    assert "We have not yet checked this against the law itself." in georgia
    assert "says we must" not in georgia
    for code in CODES:
        rule = load_pack(code).first("duty_to_warn")
        text = section(code, "If someone may get hurt")
        if rule is None or not rule.confirmed or rule.applies_to:
            assert "says we must" not in text and "lets us act" not in text, code


def test_the_recipients_are_the_ones_the_statute_names() -> None:
    texas = section("US-TX", "If someone may get hurt")
    assert "We may tell medical staff or the police." in texas
    assert "warn them" not in texas  # 611.004(a)(2): medical or law enforcement personnel, not the victim
    new_york = section("US-NY", "If someone may get hurt")
    assert "we must report it to a county mental health official" in new_york
    florida = section("US-FL", "If someone may get hurt")
    assert "we must act to protect them" in florida and "To do this, we tell the police." in florida
    assert "We may also tell the person at risk." in florida


def test_the_topics_nobody_researched_are_named_not_skipped() -> None:
    text = section("US-GA", "What we have not checked yet")
    for words in ("Reporting child abuse.", "When young people can agree to care.", "How long records are kept.",
                  "When a court can see your records.", "Telling you if your data leaks."):
        assert words in text
    assert "Warning others about a threat." not in text  # Georgia's duty has a secondary source
    assert "Warning others about a threat." in section("US-AR", "What we have not checked yet")


def test_a_guideline_is_not_told_as_state_law() -> None:
    georgia = section("US-GA", "How long we keep your record")
    assert "for 7 years" in georgia and "This follows a guideline for therapists." in georgia
    new_jersey = section("US-NJ", "How long we keep your record")  # N.J.A.C. 13:34-8.1(d), confirmed
    assert "until you turn 25" in new_jersey and "guideline" not in new_jersey


def test_the_rights_section_cites_the_rights_sections_not_the_security_rule() -> None:
    text = build_consent_text(load_pack("US-CA"), EVERYTHING)
    rights = next(s for s in text.sections if s.heading == "Your rights")
    citations = [r.citation for r in rights.citations]
    assert "45 CFR 164.520-164.528" in citations
    assert not any("164.312" in c for c in citations)


def test_the_sources_of_a_section_are_the_packs_rules() -> None:
    text = build_consent_text(load_pack("US-CA"), EVERYTHING)
    harm = next(s for s in text.sections if s.heading == "If someone may get hurt")
    assert [r.citation for r in harm.citations] == ["Cal. Civ. Code 43.92"]


def test_retention_comes_from_the_pack_formula() -> None:
    assert "for 7 years after your last visit" in section("US-CA", "How long we keep your record")
    assert "until you turn 25" in section("US-CA", "How long we keep your record")
    assert "for 6 years" in section("US-NY", "How long we keep your record")
    assert "as long as the law asks" in section("AU", "How long we keep your record")
    assert "paper" in section("US-CA", "How long we keep your record")
    assert "paper" not in section("US-CA", "How long we keep your record", NOTHING)


def test_minors_follow_the_pack() -> None:
    assert "12 or older" in section("US-CA", "Young people and their parents")
    assert "13 or older" in section("US-FL", "Young people and their parents")
    assert "any age" in section("US-TX", "Young people and their parents")
    assert "no set age" in section("US-NY", "Young people and their parents")


def test_new_york_has_no_mandated_elder_abuse_reporting() -> None:
    assert "we may report it" in section("US-NY", "Abuse of a child or a vulnerable adult")
    # California's child-abuse statute was read (Penal Code 11166): "must". Georgia's was not: "may", and why.
    assert "the law says we must report it" in section("US-CA", "Abuse of a child or a vulnerable adult")
    georgia = section("US-GA", "Abuse of a child or a vulnerable adult")
    assert "may require us to report it" in georgia and "not yet checked" in georgia


def test_couples_and_messaging_follow_the_policy() -> None:
    assert "we keep no secrets between you" in section("US", "Couples and families", EVERYTHING)
    assert "stays private" in section("US", "Couples and families", NOTHING)
    assert "You may reach us by e-mail" in section("US", "E-mail and text messages", EVERYTHING)
    assert "We do not use e-mail" in section("US", "E-mail and text messages", NOTHING)
    assert "555-0100" in section("US", "Your rights", EVERYTHING)


def test_the_fingerprint_changes_with_the_policy_or_the_pack_and_only_then() -> None:
    base = build_consent_text(load_pack("US-CA"), EVERYTHING).fingerprint
    assert build_consent_text(load_pack("US-CA"), EVERYTHING).fingerprint == base
    assert build_consent_text(load_pack("US-CA"), replace(EVERYTHING, uses_messaging=False)).fingerprint != base
    assert build_consent_text(load_pack("US-OR"), EVERYTHING).fingerprint != base
    assert len(base) == 64 and int(base, 16) >= 0


def test_the_pdf_carries_the_version_hash() -> None:
    text = build_consent_text(load_pack("US-CA"), EVERYTHING, practice_name="Quiet Harbour Counselling")
    pdf = render_consent_pdf(text)
    assert pdf.startswith(b"%PDF-")
    content = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert text.fingerprint in content.replace("\n", "")
    assert "What we keep private" in content
    assert "Unsigned copy" in content
    assert "decision support, not legal advice" in " ".join(content.split())


def test_a_signed_pdf_shows_the_signature_and_the_signed_hash() -> None:
    text = build_consent_text(load_pack("UK"), NOTHING)
    signature = SignatureInfo(
        signed_name="Pat Example",
        signed_at=datetime(2026, 5, 4, 10, 30, tzinfo=UTC),
        version=3,
        document_hash="ab" * 32,
    )
    pdf = render_consent_pdf(text, signature)
    content = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    flat = content.replace("\n", "")
    assert "Pat Example" in content and "Consent version: 3" in content
    assert "decision support, not legal advice" in " ".join(content.split())
    assert "ab" * 32 in flat and text.fingerprint in flat


def test_build_consent_document_uses_the_practices_pack_and_stored_policy(practice: Practice) -> None:
    before = build_consent_document(practice)
    assert before.pack_code == "US-CA"
    assert before.title == "Privacy and consent: Quiet Harbour Counselling"
    ConsentPolicy.objects.create(practice=practice, bills_insurance=True)
    after = build_consent_document(practice)
    assert after.fingerprint != before.fingerprint
    assert "If you use health insurance" in after.as_plain_text()


def test_a_typed_name_is_printed_as_text_not_markup() -> None:
    text = build_consent_text(load_pack("US"), NOTHING)
    signature = SignatureInfo(
        signed_name="<b>Sam</b> & Co",
        signed_at=datetime(2026, 5, 4, 10, 30, tzinfo=UTC),
        version=1,
        document_hash="c" * 64,
    )
    pdf = render_consent_pdf(text, signature)
    content = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "<b>Sam</b> & Co" in content
