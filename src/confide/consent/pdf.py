"""The PDF copy of a consent document (WeasyPrint), with its version hash on every page."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from django.template.loader import render_to_string

from confide.consent.document import ConsentText, SignatureInfo

__all__ = ["ConsentPdfError", "render_consent_pdf"]

# WeasyPrint reports each layout step at INFO; that says nothing useful in Confide's logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class ConsentPdfError(RuntimeError):
    """The PDF could not be produced."""


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    # The document is self-contained; fetching anything (a font, an image, a URL) is refused so a
    # PDF can never make a network request.
    raise ConsentPdfError("The consent PDF may not load external resources.")


def render_consent_pdf(text: ConsentText, signature: SignatureInfo | None = None) -> bytes:
    """Render the consent document as PDF bytes. The version hash is printed on each page.

    With a signature, the PDF is the client's signed copy: it also shows the typed name, the time,
    the consent version number and the hash of the signed document.
    """
    import weasyprint  # imported here: it loads system libraries that most requests never need

    html = render_to_string("consent/consent_pdf.html", {"text": text, "signature": signature})
    try:
        return bytes(weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf())
    except ConsentPdfError:
        raise
    except Exception as exc:  # WeasyPrint raises many kinds; the caller needs one.
        raise ConsentPdfError(f"The consent PDF could not be rendered ({type(exc).__name__}).") from None
