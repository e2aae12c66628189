"""Glue for gunicorn: an access log that never records secrets carried in paths."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from confide.core.redaction import UNMATCHED, redact_path, routed


class RedactingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger with token-bearing path segments and query strings kept out of the access log."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_path(atoms[key])
        # A path that matches no route is whatever someone typed (a name, say): not logged (issue 21).
        path = atoms.get("U")
        if isinstance(path, str) and not routed(path):
            atoms["U"] = UNMATCHED
            atoms["r"] = f"{atoms.get('m', '-')} {UNMATCHED}"
        atoms["q"] = ""
        atoms["r"] = atoms.get("r", "").split("?", 1)[0]
        return atoms
