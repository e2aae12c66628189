"""The law the right-of-access workflow cites, with its source and how far it was checked.

Sources: /work/shared/reference/law.md ("Psychotherapy notes and right of access": 164.524(a)(1)
excludes psychotherapy notes; answer within 30 days, one 30-day extension) and the US pack's
`right_of_access` rule (confirmed). The reviewable denial grounds of 164.524(a)(3) and the right
to have such a denial reviewed (164.524(a)(4)) are paraphrased from a secondary copy of the
regulation and are marked `unverified` until someone checks them against the official text: the
review page shows that status, as every rule in Confide does (ADR 0015). The unreviewable grounds
of 164.524(a)(2) are not offered: no source we hold states them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DENIAL_GROUNDS", "EXTENSION_DAYS", "PSYCHOTHERAPY_NOTES_EXCLUDED", "RESPONSE_DAYS", "RIGHT_TO_REVIEW",
           "Ground", "ground"]

SOURCE_164_524 = "https://edocket.access.gpo.gov/cfr_2003/octqtr/45cfr164.524.htm"

# law.md: "Access requests are answered within 30 days (one 30-day extension)."
RESPONSE_DAYS = 30
EXTENSION_DAYS = 30


@dataclass(frozen=True)
class Ground:
    """A rule the workflow cites: what it says in plain words, where, and whether it was checked."""

    code: str
    title: str
    summary: str
    citation: str
    source_url: str
    status: str  # "confirmed" or "unverified" (ADR 0015)
    reviewable: bool = True

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"


PSYCHOTHERAPY_NOTES_EXCLUDED = Ground(
    code="a1i", title="Psychotherapy notes are not part of the copy",
    summary=("The right of access does not cover psychotherapy notes: the therapist's separate notes on "
             "the conversation in a session. Every copy leaves them out."),
    citation="45 CFR 164.524(a)(1)(i)", source_url=SOURCE_164_524, status="confirmed", reviewable=False)

DENIAL_GROUNDS: tuple[Ground, ...] = (
    Ground(code="a3i", title="Access is likely to endanger someone's life or physical safety",
           summary=("A licensed health care professional, using professional judgment, has decided that the "
                    "access asked for is reasonably likely to endanger the life or physical safety of the client "
                    "or another person."),
           citation="45 CFR 164.524(a)(3)(i)", source_url=SOURCE_164_524, status="unverified"),
    Ground(code="a3ii", title="The record refers to another person who is likely to be substantially harmed",
           summary=("The information refers to another person (not a health care provider) and a licensed health "
                    "care professional, using professional judgment, has decided that the access is reasonably "
                    "likely to cause that person substantial harm."),
           citation="45 CFR 164.524(a)(3)(ii)", source_url=SOURCE_164_524, status="unverified"),
    Ground(code="a3iii", title="A personal representative's access is likely to cause substantial harm",
           summary=("The request comes from the client's personal representative and a licensed health care "
                    "professional, using professional judgment, has decided that giving that representative "
                    "access is reasonably likely to cause substantial harm to the client or another person."),
           citation="45 CFR 164.524(a)(3)(iii)", source_url=SOURCE_164_524, status="unverified"),
)

RIGHT_TO_REVIEW = Ground(
    code="a4", title="You may ask for this decision to be reviewed",
    summary=("A denial on these grounds may be reviewed. You can ask for a review here; the review is done by a "
             "licensed health care professional chosen by the practice who did not take part in the decision."),
    citation="45 CFR 164.524(a)(3), (a)(4)", source_url=SOURCE_164_524, status="unverified")


def ground(code: str) -> Ground | None:
    """The denial ground with this code, or None."""
    return next((g for g in DENIAL_GROUNDS if g.code == code), None)
