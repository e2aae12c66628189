"""The crisis line shown with the composer: from the practice's jurisdiction pack or its parent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from confide.jurisdictions import PackError, load_pack


@dataclass(frozen=True)
class CrisisLine:
    name: str
    call: str
    text: str | None
    emergency: str
    source_url: str
    status: str


@cache
def _lines() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(__file__).parent / "crisis_lines.json").read_text(encoding="utf-8"))
    return data


def crisis_line(jurisdiction: str) -> CrisisLine | None:
    """The crisis line for a pack code (US-CA falls back to US); None when none is known."""
    code: str | None = jurisdiction
    seen = set()
    while code and code not in seen:
        seen.add(code)
        entry = _lines().get(code)
        if entry is not None:
            return CrisisLine(name=entry["name"], call=entry["call"], text=entry.get("text"),
                              emergency=entry["emergency"], source_url=entry["source_url"], status=entry["status"])
        try:
            code = load_pack(code).parent
        except PackError:
            code = code.split("-")[0] if code and "-" in code else None
    return None
