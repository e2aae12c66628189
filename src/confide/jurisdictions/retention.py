"""How long a client's record must be kept, from a pack's retention formula.

The formula in a pack's retention rule is: keep the record `adult_years` after the last contact,
and, where the pack sets `minor_until_age`, at least until that birthday. The later date wins.
The birthday rule is applied whenever the birth date is known: it only matters for people who
were young at their last contact, and for everyone else the later date is already the adult one,
so applying it never shortens what the law asks.
"""

from __future__ import annotations

from datetime import date

from confide.jurisdictions.loader import Pack, Rule

__all__ = ["add_years", "retention_rule", "retention_until"]


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_rule(pack: Pack) -> Rule | None:
    """The most specific retention rule of the pack that gives a period, or None."""
    for rule in pack.rules_for("retention"):
        if rule.details.get("adult_years") is not None:
            return rule
    return None


def retention_until(pack: Pack, last_contact: date, birth_date: date | None) -> date | None:
    """The first day the record may be destroyed under the pack, or None when it sets no period.

    None means the pack gives no formula (the EU baseline, Australia): the practice must decide
    with counsel, and nothing may be destroyed automatically.
    """
    if birth_date is not None and birth_date > last_contact:
        raise ValueError("The birth date is after the last contact.")
    rule = retention_rule(pack)
    if rule is None:
        return None
    adult_years = int(rule.details["adult_years"])
    until = add_years(last_contact, adult_years)
    minor_until_age = rule.details.get("minor_until_age")
    if birth_date is not None and minor_until_age is not None:
        until = max(until, add_years(birth_date, int(minor_until_age)))
    return until
