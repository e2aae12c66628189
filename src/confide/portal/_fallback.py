"""TEMPORARY stand-in for `confide.consent` until the jurisdictions branch is merged. Delete then."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from confide.practice.jurisdictions import JURISDICTIONS

# Tests change this to stand for a change of the practice's policies.
EXTRA_PARAGRAPH = ""


@dataclass(frozen=True)
class SignatureInfo:
    signed_name: str
    signed_at: datetime
    version: int
    document_hash: str


@dataclass(frozen=True)
class _Section:
    heading: str
    paragraphs: list[str]
    citations: list[Any]


@dataclass(frozen=True)
class _Text:
    title: str
    sections: list[_Section]
    fingerprint: str


def build_consent_document(practice: Any) -> _Text:
    where = JURISDICTIONS.get(practice.jurisdiction, practice.jurisdiction)
    paragraphs = [f"{practice.name} keeps what you say private.", f"The rules of {where} apply.",
                  "We must break privacy if someone is in serious danger, if a child is hurt, or if a court orders it."]
    if EXTRA_PARAGRAPH:
        paragraphs.append(EXTRA_PARAGRAPH)
    sections = [_Section("What we keep private", paragraphs, [])]
    canonical = "\n".join([practice.name, *paragraphs])
    return _Text("Your consent to care", sections, hashlib.sha256(canonical.encode()).hexdigest())


def render_consent_pdf(text: Any, signature: SignatureInfo | None = None) -> bytes:
    lines = [text.title, f"Version hash: {text.fingerprint}"]
    if signature is not None:
        lines.append(f"Signed by {signature.signed_name} at {signature.signed_at.isoformat()} (v{signature.version})")
    body = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj T*" for line in lines)
    stream = f"BT /F1 10 Tf 14 TL 40 800 Td {body} ET".encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>stream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    for number, obj in enumerate(objects, start=1):
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return out + b"trailer << /Root 1 0 R >>\n%%EOF\n"
