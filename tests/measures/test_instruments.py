"""PHQ-9 and GAD-7 scoring against their published severity bands (Kroenke 2001; Spitzer 2006)."""

from __future__ import annotations

import pytest

from confide.measures.instruments import GAD7, INSTRUMENTS, PHQ9, score

PHQ9_BANDS = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
              (15, "moderately severe"), (19, "moderately severe"), (20, "severe"), (27, "severe")]
GAD7_BANDS = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
              (15, "severe"), (21, "severe")]


def _items_with_total(count: int, total: int, *, last: int | None = None) -> list[int]:
    items = [0] * count
    for index in range(count):
        items[index] = min(3, total)
        total -= items[index]
    assert total == 0
    if last is not None:
        items[-1] = last
    return items


@pytest.mark.parametrize(("total", "band"), PHQ9_BANDS)
def test_phq9_totals_fall_in_their_published_band(total: int, band: str) -> None:
    result = score("phq9", sorted(_items_with_total(9, total)))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("total", "band"), GAD7_BANDS)
def test_gad7_totals_fall_in_their_published_band(total: int, band: str) -> None:
    result = score("gad7", _items_with_total(7, total))
    assert (result.total, result.band) == (total, band)


def test_the_bands_cover_every_total_once() -> None:
    for instrument in (PHQ9, GAD7):
        covered = [t for b in instrument.bands for t in range(b.low, b.high + 1)]
        assert covered == list(range(instrument.maximum + 1))


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_any_answer_above_not_at_all_on_phq9_item_9_is_flagged(item9: int) -> None:
    assert score("phq9", [0] * 8 + [item9]).risk_positive


def test_a_zero_on_item_9_is_not_flagged_even_with_a_severe_total() -> None:
    result = score("phq9", [3] * 8 + [0])
    assert result.band == "severe" and not result.risk_positive
    assert not score("gad7", [3] * 7).risk_positive  # the GAD-7 has no risk item


@pytest.mark.parametrize("items", [[], [0] * 8, [0] * 10, [0] * 8 + [4], [0] * 8 + [-1], [0] * 8 + ["1"],
                                   [0] * 8 + [True], [0] * 8 + [1.0]])
def test_bad_answers_are_refused(items: list[object]) -> None:
    with pytest.raises(ValueError, match=r"Answer all|number from 0 to 3"):
        score("phq9", items)  # type: ignore[arg-type]


def test_an_unknown_questionnaire_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown"):
        score("pcl5", [0] * 20)


def test_the_loinc_codes_of_the_totals() -> None:
    assert INSTRUMENTS["phq9"].loinc == "44261-6" and INSTRUMENTS["gad7"].loinc == "70274-6"
    assert len(PHQ9.items) == 9 and len(GAD7.items) == 7
