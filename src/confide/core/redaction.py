"""Redaction of secrets that travel in URL paths (one-time invitation tokens).

Paths in Confide carry opaque ids only, never client data; the one exception is the token
in an invitation or release link, which must still never reach a log line.
"""

from __future__ import annotations

import logging
import re

from django.urls import Resolver404, resolve

_SECRET_SEGMENT = re.compile(r"(/invite/|/portal/join/|/portal/recover/|/release/)[^/\s?\"']+")


UNMATCHED = "[unmatched path]"


def routed(path: str) -> bool:
    """Whether a request path matches one of Confide's routes (an unmatched one is not logged)."""
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def redact_path(text: str) -> str:
    """Replace secret path segments in a path, URL or request line with a placeholder."""
    return _SECRET_SEGMENT.sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    """A logging filter that redacts secret path segments from every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_path(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
