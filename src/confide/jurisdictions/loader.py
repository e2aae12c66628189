"""Jurisdiction packs: one JSON file per jurisdiction, validated against a JSON Schema.

A pack is data, not code. Each rule carries its citation and its evidence: the URL where its text
was read, a short quote of that text, the day it was checked and a status. `confirmed` means the
quote and the source are recorded (a confirmed rule without them is refused); `secondary` means
the rule comes from a named secondary table (NCSL, a journal survey); `unresearched` means no one
has checked it. Rules that rest on federal law or on a professional guideline say so, so that
they are never shown as state law. Confide offers decision support, not legal advice; nothing
here replaces a lawyer. See ADR 0015.

This module has no Django import: the CLI, the web pages and the tests all read packs the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import jsonschema
from jsonschema.exceptions import ValidationError

__all__ = [
    "AUTHORITY_LABELS",
    "DISCLAIMER",
    "STATE_TOPICS",
    "STATUSES",
    "TOPICS",
    "Pack",
    "PackError",
    "Rule",
    "Status",
    "list_packs",
    "load_pack",
    "load_pack_file",
    "normalise_code",
]

Status = Literal["confirmed", "secondary", "unresearched"]
STATUSES: tuple[str, ...] = ("confirmed", "secondary", "unresearched")

DISCLAIMER = (
    "Confide offers decision support, not legal advice. The rules below come from public sources; "
    "laws change. Only rules marked confirmed were checked against a quote of the law's text; rules "
    "marked secondary come from a named summary table, and unresearched rules were not checked at all. "
    "Confirm them with a lawyer or your licensing board."
)

# The order in which topics are shown; packs may use any of these.
TOPICS: dict[str, str] = {
    "duty_to_warn": "Duty to warn or protect",
    "child_abuse_reporting": "Child abuse reporting",
    "elder_abuse_reporting": "Elder and dependent-adult abuse reporting",
    "minors_consent": "Minors' consent to care",
    "retention": "Record retention",
    "privilege": "Therapist-patient privilege",
    "breach_notification": "Breach notification",
    "serious_threat": "Disclosure to avert a serious threat (HIPAA)",
    "substance_use_records": "Substance use disorder records",
    "ferpa": "School records (FERPA)",
    "psychotherapy_notes": "Psychotherapy notes",
    "privacy_law": "Privacy law",
    "authorization": "Authorization to disclose",
    "accounting_of_disclosures": "Accounting of disclosures",
    "right_of_access": "Right of access",
    "client_rights": "Clients' privacy rights",
}

# The topics every state (and every non-US pack) must state for itself, even if only to say that
# nobody has researched them: missing topics are named to clients, never skipped.
STATE_TOPICS: tuple[str, ...] = (
    "duty_to_warn",
    "child_abuse_reporting",
    "elder_abuse_reporting",
    "minors_consent",
    "retention",
    "privilege",
    "breach_notification",
)

# How a rule's kind of authority is named to the owner when the pack does not name it itself.
AUTHORITY_LABELS: dict[str, str] = {
    "state_law": "State law",
    "federal_law": "Federal law, not state law",
    "national_law": "National law",
    "case_law": "Court decisions (case law)",
    "professional_standard": "Professional standard of a regulator, not a statute",
    "guideline": "Professional guideline, not law",
    "none_found": "No rule found",
}

# Codes a practice may hold from before the packs existed, and the pack each now means.
ALIASES = {"GB": "UK"}

PACKS_DIR = Path(str(resources.files("confide.jurisdictions") / "packs"))
SCHEMA_PATH = Path(str(resources.files("confide.jurisdictions") / "pack.schema.json"))


class PackError(ValueError):
    """A pack is unknown, unreadable or does not match the schema. The message names file and field."""


@dataclass(frozen=True)
class Rule:
    """One legal rule of a jurisdiction, with where it comes from and whether it is verified."""

    topic: str
    title: str
    summary: str
    citation: str
    source_url: str | None
    status: Status
    details: Mapping[str, Any]
    # Additions to the shared contract: a readable name of the source, the date the rule was
    # recorded, and the code of the pack that states it (a child pack inherits its parent's rules).
    source: str = ""
    as_of: date | None = None
    pack_code: str = ""
    # The evidence (ADR 0015): a short quote of the text the rule rests on, when it was checked,
    # what kind of authority it is, and the professions it is limited to (empty: all).
    quote: str | None = None
    checked_on: date | None = None
    authority: str = "state_law"
    authority_label: str = ""
    applies_to: tuple[str, ...] = ()

    @property
    def confirmed(self) -> bool:
        """True when the rule's quote and source were read and recorded."""
        return self.status == "confirmed"

    @property
    def verified(self) -> bool:
        """Old name of `confirmed`, kept for callers outside this package."""
        return self.confirmed

    @property
    def authority_text(self) -> str:
        """What kind of rule this is, in words ("APA guideline, not state law")."""
        return self.authority_label or AUTHORITY_LABELS.get(self.authority, self.authority)

    @property
    def status_text(self) -> str:
        """The status in words, naming the secondary table where there is one."""
        if self.status == "confirmed":
            return "confirmed against the text"
        if self.status == "secondary":
            return f"from a secondary table ({self.source}), not checked against the statute"
        return "not researched"

    def as_dict(self) -> dict[str, Any]:
        """The rule as plain JSON-ready data (for fingerprints and the API)."""
        return {
            "topic": self.topic,
            "title": self.title,
            "summary": self.summary,
            "citation": self.citation,
            "source": self.source,
            "source_url": self.source_url,
            "status": self.status,
            "quote": self.quote,
            "checked_on": self.checked_on.isoformat() if self.checked_on else None,
            "authority": self.authority,
            "authority_text": self.authority_text,
            "applies_to": list(self.applies_to),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "details": dict(self.details),
            "pack": self.pack_code,
        }


@dataclass(frozen=True)
class Pack:
    """A jurisdiction's effective rules: its own first, then those inherited from its parent."""

    code: str
    name: str
    parent: str | None
    rules: tuple[Rule, ...]
    # Additions to the shared contract.
    own_rules: tuple[Rule, ...] = field(default=(), repr=False)
    fingerprint: str = ""

    def rules_for(self, topic: str) -> list[Rule]:
        """The rules on one topic, most specific (this jurisdiction's own) first."""
        return [rule for rule in self.rules if rule.topic == topic]

    def first(self, topic: str) -> Rule | None:
        """The most specific rule on a topic, or None."""
        found = self.rules_for(topic)
        return found[0] if found else None

    @property
    def unconfirmed_count(self) -> int:
        """How many of the effective rules are not confirmed against a quote of their text."""
        return sum(1 for rule in self.rules if not rule.confirmed)

    def topic_status(self, topic: str) -> str | None:
        """The best status among this pack's own rules on a topic (None: the pack states none)."""
        found = {rule.status for rule in self.own_rules if rule.topic == topic}
        return next((status for status in STATUSES if status in found), None)

    def unresearched_topics(self) -> list[str]:
        """The state-level topics on which this pack has no confirmed or secondary rule of its own."""
        return [topic for topic in STATE_TOPICS if self.topic_status(topic) in (None, "unresearched")]


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _field_path(error: ValidationError) -> str:
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    return path.lstrip(".") or "(top level)"


def _own_rules(path: Path) -> tuple[dict[str, Any], tuple[Rule, ...]]:
    """Read and validate one pack file; return its header data and its own rules."""
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackError(f"{name}: cannot be read ({exc.strerror or type(exc).__name__}).") from None
    except UnicodeDecodeError:
        raise PackError(f"{name}: is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise PackError(f"{name}: is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise PackError(f"{name}: field {_field_path(first)}: {first.message}{more}.")
    code = data["code"]
    if path.stem != code:
        raise PackError(f"{name}: field code: {code!r} does not match the file name (expected {path.stem!r}).")
    if data["parent"] == code:
        raise PackError(f"{name}: field parent: a pack cannot be its own parent.")
    rules = []
    for index, raw in enumerate(data["rules"]):
        as_of = _real_date(name, index, "as_of", raw["as_of"])
        checked_on = None if raw["checked_on"] is None else _real_date(name, index, "checked_on", raw["checked_on"])
        if raw["status"] == "confirmed" and not (raw["quote"] or "").strip():
            raise PackError(f"{name}: field rules[{index}].quote: a confirmed rule needs the quote it rests on.")
        if raw["status"] == "confirmed" and not raw["source_url"]:
            raise PackError(f"{name}: field rules[{index}].source_url: a confirmed rule needs its source.")
        rules.append(
            Rule(
                topic=raw["topic"],
                title=raw["title"],
                summary=raw["summary"],
                citation=raw["citation"],
                source_url=raw["source_url"],
                status=raw["status"],
                details=MappingProxyType(dict(raw["details"])),
                source=raw["source"],
                as_of=as_of,
                pack_code=code,
                quote=raw["quote"],
                checked_on=checked_on,
                authority=raw["authority"],
                authority_label=raw.get("authority_label", ""),
                applies_to=tuple(raw.get("applies_to", ())),
            )
        )
    return data, tuple(rules)


def _real_date(name: str, index: int, field_name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PackError(f"{name}: field rules[{index}].{field_name}: {value!r} is not a real date.") from None


def _fingerprint(code: str, name: str, parent: str | None, rules: tuple[Rule, ...]) -> str:
    canonical = json.dumps(
        {"code": code, "name": name, "parent": parent, "rules": [rule.as_dict() for rule in rules]},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_pack_file(path: Path, *, directory: Path | None = None) -> Pack:
    """Load the pack in `path`, resolving its parent from the same directory. Raises PackError."""
    folder = directory or path.parent
    seen: list[str] = []
    header, own = _own_rules(path)
    rules = list(own)
    parent = header["parent"]
    current = parent
    seen.append(header["code"])
    while current is not None:
        if current in seen:
            raise PackError(f"{path.name}: field parent: the chain {' -> '.join([*seen, current])} loops.")
        parent_path = folder / f"{current}.json"
        if not parent_path.is_file():
            raise PackError(f"{path.name}: field parent: there is no pack {current!r}.")
        parent_header, parent_rules = _own_rules(parent_path)
        rules.extend(parent_rules)
        seen.append(current)
        current = parent_header["parent"]
    effective = tuple(rules)
    return Pack(
        code=header["code"],
        name=header["name"],
        parent=parent,
        rules=effective,
        own_rules=own,
        fingerprint=_fingerprint(header["code"], header["name"], parent, effective),
    )


def normalise_code(code: str) -> str:
    """Upper-case a code and map an old alias (GB) to its pack (UK)."""
    cleaned = code.strip().upper()
    return ALIASES.get(cleaned, cleaned)


@cache
def _load_cached(code: str) -> Pack:
    return load_pack_file(PACKS_DIR / f"{code}.json", directory=PACKS_DIR)


def load_pack(code: str) -> Pack:
    """Load one of Confide's packs by code (e.g. "US-CA"). Raises PackError for an unknown code."""
    wanted = normalise_code(code)
    if wanted not in available_codes():
        raise PackError(f"There is no jurisdiction pack {code!r}; `confide jurisdictions list` shows the codes.")
    return _load_cached(wanted)


@cache
def available_codes() -> tuple[str, ...]:
    """The codes of the packs shipped with Confide, sorted."""
    return tuple(sorted(path.stem for path in PACKS_DIR.glob("*.json")))


def list_packs() -> list[Pack]:
    """Every pack Confide ships, sorted by code (parents first where codes sort that way)."""
    return [_load_cached(code) for code in available_codes()]
