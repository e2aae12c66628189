"""Accessibility tests drive Debian's Chromium against a real `confide serve`, as tests/browser does."""

from __future__ import annotations

from tests.browser.conftest import browser, confide, mailbox, new_context, playwright, problems

__all__ = ["browser", "confide", "mailbox", "new_context", "playwright", "problems"]
