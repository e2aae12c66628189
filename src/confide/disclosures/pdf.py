"""PDF rendering with WeasyPrint, from Django templates, with every outside fetch refused."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """Refuse every fetch: a disclosure PDF is built from its own HTML only, never from the network."""
    raise ValueError("Disclosure PDFs load no outside resources.")


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a template to HTML and the HTML to PDF bytes."""
    import weasyprint

    html = render_to_string(template, context)
    pdf = weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    if not isinstance(pdf, bytes):
        raise TypeError("WeasyPrint returned no PDF")
    return pdf
