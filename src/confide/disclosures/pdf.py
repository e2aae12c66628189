"""PDF rendering with WeasyPrint, from Django templates, with every outside fetch refused."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """Refuse every fetch: a disclosure PDF is built from its own HTML only, never from the network."""
    raise ValueError("Disclosure PDFs load no outside resources.")


def render_pdf(template: str, context: dict[str, Any], attachments: Sequence[tuple[str, bytes]] = ()) -> bytes:
    """Render a template to HTML and the HTML to PDF bytes, with `(name, content)` files attached."""
    import weasyprint

    html = render_to_string(template, context)
    files = [weasyprint.Attachment(file_obj=io.BytesIO(content), name=name, url_fetcher=_no_fetch)
             for name, content in attachments]
    pdf = weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf(attachments=files)
    if not isinstance(pdf, bytes):
        raise TypeError("WeasyPrint returned no PDF")
    return pdf
