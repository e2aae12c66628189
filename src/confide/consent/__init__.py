"""The practice's consent policies and the informed-consent document built from them and its pack.

Public API (see docs/jurisdictions.md): `build_consent_document`, `render_consent_pdf`,
`ConsentText`, `Section`, `SignatureInfo`.
"""

from __future__ import annotations

from confide.consent.document import ConsentText, Section, SignatureInfo, build_consent_document, build_consent_text
from confide.consent.pdf import render_consent_pdf

__all__ = [
    "ConsentText",
    "Section",
    "SignatureInfo",
    "build_consent_document",
    "build_consent_text",
    "render_consent_pdf",
]
