"""The consent document as the portal stores it, and the bridge to `confide.consent`.

`confide.consent.build_consent_document(practice)` assembles the practice's consent text from its
policies and jurisdiction pack; `render_consent_pdf` prints it. The portal keeps each version it
has shown word for word (`ConsentVersion.document`), so a client's signed copy is always the
text they signed, even after the practice's policies change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

logger = logging.getLogger(__name__)


class ConsentUnavailableError(Exception):
    """The practice's consent document cannot be built (no pack chosen yet, for example)."""


@dataclass(frozen=True)
class StoredRule:
    """A citation as stored with a consent version (the fields of `confide.jurisdictions.Rule`)."""

    topic: str
    title: str
    summary: str
    citation: str
    source_url: str | None
    status: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"

    @property
    def verified(self) -> bool:
        # Versions issued before ADR 0015 stored "verified"; they are shown as they were signed.
        return self.status in ("verified", "confirmed")


@dataclass(frozen=True)
class StoredSection:
    heading: str
    paragraphs: list[str]
    citations: list[StoredRule]


@dataclass(frozen=True)
class StoredConsentText:
    """A stored consent version with the attributes of `confide.consent.ConsentText`."""

    title: str
    sections: list[StoredSection]
    fingerprint: str
    pack_code: str | None = None

    def as_plain_text(self) -> str:
        parts = [self.title, ""]
        for section in self.sections:
            parts += [section.heading, *section.paragraphs, ""]
        return "\n".join(parts).strip() + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "fingerprint": self.fingerprint,
            "pack_code": self.pack_code,
            "sections": [
                {"heading": s.heading, "paragraphs": list(s.paragraphs),
                 "citations": [{"topic": r.topic, "title": r.title, "summary": r.summary, "citation": r.citation,
                                "source_url": r.source_url, "status": r.status} for r in s.citations]}
                for s in self.sections
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredConsentText:
        return cls(
            title=str(data["title"]), fingerprint=str(data["fingerprint"]), pack_code=data.get("pack_code"),
            sections=[StoredSection(heading=str(s["heading"]), paragraphs=[str(p) for p in s["paragraphs"]],
                                    citations=[StoredRule(**r) for r in s["citations"]])
                      for s in data["sections"]],
        )


def _stored(text: Any) -> StoredConsentText:
    return StoredConsentText(
        title=str(text.title), fingerprint=str(text.fingerprint), pack_code=getattr(text, "pack_code", None),
        sections=[StoredSection(heading=str(s.heading), paragraphs=[str(p) for p in s.paragraphs],
                                citations=[StoredRule(topic=str(r.topic), title=str(r.title), summary=str(r.summary),
                                                      citation=str(r.citation),
                                                      source_url=None if r.source_url is None else str(r.source_url),
                                                      status=str(r.status)) for r in s.citations])
                  for s in text.sections],
    )


def current_document(practice: Any) -> StoredConsentText:
    """The practice's consent document as it reads today. Raises `ConsentUnavailableError`."""
    try:
        return _stored(_consent_module().build_consent_document(practice))
    except Exception:
        # The builder's message may quote the practice's policies; it stays out of the log.
        logger.warning("The consent document of practice %s could not be built", practice.pk)
        raise ConsentUnavailableError(
            "The practice's consent document is not ready yet. Please ask your therapist.") from None


def render_pdf(text: StoredConsentText, *, signed_name: str | None = None, signed_at: datetime | None = None,
               version: int = 0) -> bytes:
    """A PDF of the stored document, with the signature block when it was signed."""
    consent = _consent_module()
    signature = None
    if signed_name is not None and signed_at is not None:
        signature = consent.SignatureInfo(signed_name=signed_name, signed_at=signed_at, version=version,
                                  document_hash=text.fingerprint)
    # The stored text has every attribute the renderer reads (duck-typed on purpose: the
    # renderer prints what was signed, not what the practice's policies say today).
    try:
        return bytes(consent.render_consent_pdf(text, signature))
    except Exception:
        logger.exception("A consent PDF could not be rendered")
        raise ConsentUnavailableError("The PDF copy could not be made just now. Please try again later.") from None


def _consent_module() -> Any:
    """`confide.consent` (the tests put a stand-in here to change the practice's text at will)."""
    # Looked up on call, so that the tests' stand-in for confide.consent takes effect.
    import confide.consent

    return confide.consent
