"""retention_until applies each pack's formula: the later of the adult period and the birthday rule."""

from __future__ import annotations

from datetime import date

import pytest

from confide.jurisdictions import load_pack, retention_until


@pytest.mark.parametrize(
    ("code", "last_contact", "birth", "expected"),
    [
        # California: 7 years after discharge; minors 7 years after 18 (so until 25).
        ("US-CA", date(2020, 3, 1), date(1980, 1, 1), date(2027, 3, 1)),
        ("US-CA", date(2020, 3, 1), date(2006, 6, 15), date(2031, 6, 15)),
        ("US-CA", date(2020, 3, 1), None, date(2027, 3, 1)),
        # New York: 6 years; minors until 22.
        ("US-NY", date(2020, 3, 1), date(2008, 5, 1), date(2030, 5, 1)),
        ("US-NY", date(2020, 3, 1), date(1990, 5, 1), date(2026, 3, 1)),
        # Texas: 7 years or 5 years after majority.
        ("US-TX", date(2020, 3, 1), date(2005, 1, 10), date(2028, 1, 10)),
        # Florida: 7 years, no minor rule stated.
        ("US-FL", date(2020, 3, 1), date(2010, 1, 1), date(2027, 3, 1)),
        # Illinois and the federal baseline: the APA guideline, 7 years or 3 after majority.
        ("US-IL", date(2020, 3, 1), date(2003, 1, 1), date(2027, 3, 1)),
        ("US", date(2020, 3, 1), date(2008, 1, 1), date(2029, 1, 1)),
        # A state without its own retention rule inherits the federal baseline.
        ("US-WA", date(2020, 3, 1), None, date(2027, 3, 1)),
        # Ontario: the 2017 standard was replaced in 2024 and the new clause is unread: no period.
        ("CA-ON", date(2020, 3, 1), date(2010, 1, 1), None),
        # New Jersey marriage and family therapists: 7 years, minors until 25 (N.J.A.C. 13:34-8.1(d)).
        ("US-NJ", date(2020, 3, 1), date(2010, 1, 1), date(2035, 1, 1)),
        # UK mental-health records: 20 years.
        ("UK", date(2020, 3, 1), None, date(2040, 3, 1)),
    ],
)
def test_the_formula_of_each_pack(code: str, last_contact: date, birth: date | None, expected: date | None) -> None:
    assert retention_until(load_pack(code), last_contact, birth) == expected


def test_a_pack_without_a_period_gives_none() -> None:
    assert retention_until(load_pack("AU"), date(2020, 3, 1), None) is None
    assert retention_until(load_pack("EU"), date(2020, 3, 1), date(2000, 1, 1)) is None


def test_a_leap_day_moves_to_the_28th() -> None:
    assert retention_until(load_pack("US-CA"), date(2020, 2, 29), None) == date(2027, 2, 28)


def test_a_birth_date_after_the_last_contact_is_refused() -> None:
    with pytest.raises(ValueError, match="birth date is after the last contact"):
        retention_until(load_pack("US-CA"), date(2020, 1, 1), date(2021, 1, 1))
