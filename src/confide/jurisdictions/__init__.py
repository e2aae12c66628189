"""Jurisdiction packs and the practice's reviewed choice of one (decision support, not legal advice).

The public API other apps use is re-exported here; see docs/jurisdictions.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from confide.jurisdictions.loader import (
    DISCLAIMER,
    TOPICS,
    Pack,
    PackError,
    Rule,
    Status,
    list_packs,
    load_pack,
)
from confide.jurisdictions.retention import retention_until

if TYPE_CHECKING:
    from confide.practice.models import Practice

__all__ = [
    "DISCLAIMER",
    "TOPICS",
    "Pack",
    "PackError",
    "Rule",
    "Status",
    "list_packs",
    "load_pack",
    "pack_confirmed",
    "practice_pack",
    "retention_until",
]


def practice_pack(practice: Practice) -> Pack | None:
    """The pack of the practice's jurisdiction, or None when it names no pack Confide has."""
    # Imported on call: this package's __init__ runs while Django loads the apps, before models exist.
    from confide.jurisdictions.services import practice_pack as _practice_pack

    return _practice_pack(practice)


def pack_confirmed(practice: Practice) -> bool:
    """True when the owner reviewed and confirmed the practice's current pack, in its current version."""
    # Imported on call: this package's __init__ runs while Django loads the apps, before models exist.
    from confide.jurisdictions.services import pack_confirmed as _pack_confirmed

    return _pack_confirmed(practice)
