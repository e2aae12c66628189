"""The questionnaires Confide scores: PHQ-9 and GAD-7, with their published severity bands.

Both are in the public domain and free to use ("No permission required to reproduce, translate,
display or distribute", Pfizer; phqscreeners.com). Sources of the items and the bands:

- PHQ-9: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity
  measure. J Gen Intern Med 2001;16(9):606-613. doi:10.1046/j.1525-1497.2001.016009606.x.
  Bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe. Item 9
  asks about "thoughts that you would be better off dead, or of hurting yourself"; any answer
  above "not at all" needs the clinician's follow-up the same day (a risk assessment).
- GAD-7: Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized
  anxiety disorder: the GAD-7. Arch Intern Med 2006;166(10):1092-1097.
  doi:10.1001/archinte.166.10.1092. Bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe.

LOINC codes of the totals (FHIR Observation.code): 44261-6 (PHQ-9 total score) and 70274-6
(GAD-7 total score). Verification status: the citations and bands were checked against the
papers' abstracts as given in the issue brief and `/work/shared/reference/workflows.md`; the
exact item wording follows the public-domain forms (phqscreeners.com); reviewed by the team,
not yet by an outside clinician.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ANSWERS", "INSTRUMENTS", "Band", "Instrument", "Score", "score"]

# The four answers both forms share, with their points.
ANSWERS: tuple[tuple[int, str], ...] = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    title: str
    stem: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]
    loinc: str
    loinc_display: str
    source: str
    risk_item: int | None = None  # index of an item whose positive answer is flagged

    @property
    def maximum(self) -> int:
        return 3 * len(self.items)

    def band(self, total: int) -> Band:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band
        raise ValueError(f"{total} is outside 0-{self.maximum}")


PHQ9 = Instrument(
    code="phq9", name="PHQ-9", title="Patient Health Questionnaire (PHQ-9)",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    bands=(Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"),
           Band(15, 19, "moderately severe"), Band(20, 27, "severe")),
    loinc="44261-6", loinc_display="Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    source="Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16(9):606-613",
    risk_item=8,
)

GAD7 = Instrument(
    code="gad7", name="GAD-7", title="Generalized Anxiety Disorder scale (GAD-7)",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    bands=(Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"), Band(15, 21, "severe")),
    loinc="70274-6", loinc_display="Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
    source="Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166(10):1092-1097",
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (PHQ9, GAD7)}


@dataclass(frozen=True)
class Score:
    instrument: Instrument
    items: tuple[int, ...]
    total: int
    band: str
    risk_positive: bool


def score(code: str, items: list[int] | tuple[int, ...]) -> Score:
    """Score a completed form; `ValueError` for an unknown form or answers that are not 0-3, one per item."""
    instrument = INSTRUMENTS.get(code)
    if instrument is None:
        raise ValueError("Unknown questionnaire.")
    values = tuple(items)
    if len(values) != len(instrument.items):
        raise ValueError(f"Answer all {len(instrument.items)} questions of the {instrument.name}.")
    if any(type(v) is not int or not 0 <= v <= 3 for v in values):
        raise ValueError("Each answer is a number from 0 to 3.")
    total = sum(values)
    risk = instrument.risk_item is not None and values[instrument.risk_item] > 0
    return Score(instrument, values, total, instrument.band(total).label, risk)
