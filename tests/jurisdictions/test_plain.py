"""What "Your privacy, explained" tells clients: plain words (grade 8 or below) that never overstate a rule."""

from __future__ import annotations

import pytest
import textstat

from confide.jurisdictions import load_pack
from confide.jurisdictions.loader import available_codes
from confide.jurisdictions.plain import plain_summary, plain_title

CODES = list(available_codes())


@pytest.mark.parametrize("code", CODES)
def test_every_packs_client_summaries_read_at_grade_8_or_below(code: str) -> None:
    pack = load_pack(code)
    text = "\n".join(f"{plain_title(rule)}. {plain_summary(rule)}" for rule in pack.rules)
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= 8, f"{code}: grade {grade}"
    for rule in pack.rules:
        assert textstat.flesch_kincaid_grade(plain_summary(rule)) <= 12, plain_summary(rule)


def test_the_measure_would_catch_the_packs_own_legal_summaries() -> None:
    # The rules' own summaries (for owners and counsel) read above grade 8; the client never sees them.
    legal = " ".join(rule.summary for rule in load_pack("US-NY").rules)
    assert textstat.flesch_kincaid_grade(legal) > 8


@pytest.mark.parametrize("code", CODES)
def test_an_unconfirmed_rule_says_so_in_plain_words(code: str) -> None:
    for rule in load_pack(code).rules:
        summary = plain_summary(rule)
        if rule.confirmed:
            assert "We checked it against the text of the law." in summary
        else:
            assert "not checked" in summary or "have not yet checked" in summary or "not yet know" in summary, summary


def test_a_guideline_and_federal_law_say_what_they_are() -> None:
    us = load_pack("US")
    assert "guideline for therapists, not a law here" in plain_summary(us.first("retention"))  # type: ignore[arg-type]
    assert "national (federal) law" in plain_summary(us.first("serious_threat"))  # type: ignore[arg-type]


def test_new_york_tells_the_county_not_the_victim() -> None:
    summary = plain_summary(load_pack("US-NY").first("duty_to_warn"))  # type: ignore[arg-type]
    assert "a county health official" in summary and "person at risk" not in summary
