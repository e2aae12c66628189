"""The de-identification engine on hand-written cases (the benchmark measures it at scale)."""

from __future__ import annotations

import pytest

from confide.consultation import deid

KNOWN = deid.KnownIdentifiers(people=(("Hope Quastenbrook", "CLIENT"), ("Kayla Quastenbrook", "SIBLING")),
                              dates=("1987-03-14",), phones=("+1 555 0100",), employers=("Copperleaf Bakery",))


def _replaced(text: str, known: deid.KnownIdentifiers | None = KNOWN) -> list[str]:
    return [text[s.start:s.end] for s in deid.detect(text, known) if not s.uncertain]


def test_it_replaces_the_records_own_names_nicknames_and_misspellings() -> None:
    text = "Hope said Kayla calls her Hopey; Qaustenbrook family history discussed."
    assert {"Hope", "Kayla", "Hopey", "Qaustenbrook"} <= set(_replaced(text))


def test_it_leaves_the_ordinary_word_when_a_name_is_an_ordinary_word() -> None:
    text = "Hope arrived late. I hope the plan helps; there is hope."
    assert _replaced(text) == ["Hope"]


def test_it_does_not_redact_clinical_eponyms() -> None:
    text = "Her son has Asperger syndrome; family history of Tourette's and Hodgkin lymphoma."
    assert _replaced(text, None) == []


@pytest.mark.parametrize("date", ["March 14, 1987", "3/14/1987", "1987-03-14", "14 March 1987", "Mar 4th",
                                  "the 4th of March", "8-Oct-2019"])
def test_it_finds_dates_in_many_forms(date: str) -> None:
    assert _replaced(f"Seen on {date} for intake.", None) == [date]


@pytest.mark.parametrize("phone", ["(503) 555-0199", "503-555-0199", "503.555.0199", "+1 503 555 0199",
                                   "+44 7700 900123"])
def test_it_finds_phone_numbers_in_many_layouts(phone: str) -> None:
    assert _replaced(f"Call {phone} after five.", None) == [phone]


def test_ages_over_89_are_identifiers_and_younger_ages_are_not() -> None:
    assert _replaced("Her grandmother is 93 years old; she is 34.", None) == ["93 years old"]


def test_placeholders_are_consistent_and_dates_shift_by_the_same_interval() -> None:
    text = "Hope met Kayla on 2021-03-01. Kayla called Hope on 2021-03-11."
    out, _ = deid.apply(text, deid.detect(text, KNOWN), deid.Replacer(shift_days=10))
    assert out == "[CLIENT] met [SIBLING-1] on [2021-03-11]. [SIBLING-1] called [CLIENT] on [2021-03-21]."


def test_surrogates_replace_names_with_invented_ones() -> None:
    text = "Kayla works at Copperleaf Bakery."
    out, _ = deid.apply(text, deid.detect(text, KNOWN), deid.Replacer(style="surrogates"))
    assert "Kayla" not in out and "Copperleaf" not in out and "[" not in out


def test_unexplained_capitalised_words_are_marked_uncertain_not_replaced() -> None:
    text = "She reads Quorvath novels at night."
    spans = deid.detect(text, None)
    flagged = [text[s.start:s.end] for s in spans]
    assert "Quorvath" in flagged
