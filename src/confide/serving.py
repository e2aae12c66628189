"""Glue for gunicorn: an access log that never records secrets carried in paths."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# Paths that carry a one-time secret (an invitation token) in a path segment.
_SECRET_SEGMENT = re.compile(r"(/invite/)[^/\s?]+")


def redact_path(text: str) -> str:
    """Replace secret path segments in a path or request line with a placeholder."""
    return _SECRET_SEGMENT.sub(r"\1[redacted]", text)


class RedactingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger with token-bearing path segments redacted from the access log."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_path(atoms[key])
        atoms["q"] = "" if atoms.get("q") else atoms.get("q", "")
        return atoms
