"""Every route of the application, with sample values for its parameters.

Tests that must cover every page (headers, access) walk this list, so a new route is covered
the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

_SAMPLES = {
    "int": "1",
    "str": "sample",
    "slug": "sample",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "sample",
}


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


def _concrete(pattern: str) -> str:
    pattern = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES.get(m.group(1) or "str", "sample"), pattern)
    pattern = pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    return "/" + pattern


def all_paths() -> list[str]:
    """Concrete paths for every route, in a stable order."""
    return sorted({_concrete(p) for p in _walk(get_resolver().url_patterns)})
