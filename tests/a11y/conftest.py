"""Accessibility tests drive Debian's Chromium against a real `confide serve`, as tests/browser does.

Every test runs twice: at 1280 px (a desk) and at 390 x 844 (a phone), where the menu collapses
and tables stack or scroll, so axe-core checks both layouts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.browser.conftest import BrowserProblems, browser, confide, mailbox, playwright, problems

__all__ = ["browser", "confide", "mailbox", "new_context", "playwright", "problems"]

WIDTHS = {"desk": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(WIDTHS))
def new_context(request: pytest.FixtureRequest, browser: Browser,
                problems: BrowserProblems) -> Iterator[Callable[[], BrowserContext]]:
    """Separate browser contexts (separate people) at the test's width, closed at the end."""
    contexts: list[BrowserContext] = []
    viewport = WIDTHS[request.param]

    def open_context() -> BrowserContext:
        context = problems.watch(browser.new_context(viewport=viewport, locale="en-US"))  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(30_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
