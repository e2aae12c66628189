"""The destruction certificate as a PDF (WeasyPrint, no outside fetches), as consent PDFs are made."""

from __future__ import annotations

import json
from typing import Any

from django.template.loader import render_to_string

from confide.lifecycle.models import Tombstone
from confide.lifecycle.services import CERTIFICATE_METHOD


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """Refuse every fetch: the certificate is built from its own HTML only."""
    raise ValueError("Certificate PDFs load no outside resources.")


def render_certificate_pdf(tombstone: Tombstone, *, practice_name: str, verified_position: int | None) -> bytes:
    """The certificate of one destroyed record; it names people by opaque id and role only."""
    import weasyprint

    # (imported here: WeasyPrint is slow to import and only this download needs it)
    certificate = json.loads(tombstone.certificate)
    html = render_to_string("lifecycle/certificate.html", {
        "t": tombstone, "c": certificate, "practice_name": practice_name, "method": CERTIFICATE_METHOD,
        "verified_position": verified_position, "destroyed": sorted(certificate.get("destroyed", {}).items()),
    })
    pdf = weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    if not isinstance(pdf, bytes):
        raise TypeError("WeasyPrint returned no PDF")
    return pdf
