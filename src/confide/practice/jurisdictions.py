"""The jurisdictions a practice may declare.

This short list stands until the jurisdiction packs land (issue 5); each pack will then carry
its rules with sources and verification status. The code decides which legal exceptions to
confidentiality and which retention rules Confide shows the practice.
"""

from __future__ import annotations

from confide.jurisdictions.loader import available_codes

JURISDICTIONS: dict[str, str] = {
    "US": "United States (federal baseline)",
    "US-CA": "United States, California",
    "US-FL": "United States, Florida",
    "US-IL": "United States, Illinois",
    "US-NY": "United States, New York",
    "US-TX": "United States, Texas",
    "EU": "European Union (GDPR baseline)",
    "GB": "United Kingdom",
    "CA-ON": "Canada, Ontario",
    "AU": "Australia",
}


def jurisdiction_choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs for forms."""
    return [(code, f"{name} ({code})") for code, name in JURISDICTIONS.items()]


def is_known(code: str) -> bool:
    """True when the code names a jurisdiction Confide knows (a listed one or any jurisdiction pack)."""
    if code in JURISDICTIONS:
        return True

    return code in available_codes()
