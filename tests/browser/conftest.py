"""Fixtures for tests that drive Debian's Chromium against a real `confide serve`.

Each test gets its own data directory, database, SMTP server and server process; the browser
only talks HTTP to it, so these tests need no database access of their own. One Chromium
serves a whole test module, and each person in a test gets a fresh browser context (their
own cookies), so no test sees another's session.
"""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, Playwright, sync_playwright

from tests.processes import Server, base_env, free_port, init_practice, scratch_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SHOTS_DIR = Path("/tmp/confide-shots")

# Chromium logs Content-Security-Policy violations to the console by itself; this listener,
# added through the DevTools protocol (which the page's policy does not govern), also reports
# violations that Chromium only dispatches as events.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class Mailbox:
    """The messages an SMTP server received, in order of arrival; safe to read from the test thread."""

    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._arrived = threading.Condition()

    def add(self, message: EmailMessage) -> None:
        with self._arrived:
            self._messages.append(message)
            self._arrived.notify_all()

    def wait_for(self, recipient: str, timeout: float = 30) -> EmailMessage:
        """Return the first message addressed to `recipient`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self._messages:
                    if recipient in str(message["To"]):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail to {recipient} within {timeout} s; got {len(self._messages)} others")
                self._arrived.wait(left)

    def wait_for_subject(self, recipient: str, subject: str, timeout: float = 30) -> EmailMessage:
        """Return the first message to `recipient` with this subject, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self._messages:
                    if recipient in str(message["To"]) and str(message["Subject"]) == subject:
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail '{subject}' to {recipient} within {timeout} s")
                self._arrived.wait(left)


class _StoringHandler:
    """An aiosmtpd handler that parses every message it accepts into the mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.mailbox.add(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1; yields its mailbox and port."""
    box = Mailbox()
    controller = Controller(_StoringHandler(box), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@dataclass
class Confide:
    """A running Confide: its base URL, the server process and the mailbox its mail goes to."""

    url: str
    server: Server
    mailbox: Mailbox

    def at(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server.port}{path}"


@pytest.fixture
def confide(tmp_path: Path, mailbox: tuple[Mailbox, int]) -> Iterator[Confide]:
    """`confide init` then `confide serve`, sending mail over SMTP to the test's mailbox."""
    box, smtp_port = mailbox
    port = free_port()
    with scratch_database() as database_url:
        data_dir = tmp_path / "data"
        env = base_env(
            data_dir, database_url,
            CONFIDE_EMAIL_BACKEND="smtp", CONFIDE_SMTP_HOST="127.0.0.1", CONFIDE_SMTP_PORT=str(smtp_port),
            CONFIDE_SMTP_STARTTLS="false", CONFIDE_SITE_URL=f"http://127.0.0.1:{port}",
            CONFIDE_WORKER_JOBS_SECONDS="1", CONFIDE_DEFAULT_QUIET_HOURS="0-0",
        )
        init_practice(data_dir, env)
        server = Server(env, port)
        # Every e-mail goes through the queue (ADR 0018): a worker beside the server sends it.
        worker_log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "confide", "worker", "--interval", "0.2"], env=env,
                                  stdout=worker_log, stderr=subprocess.STDOUT)
        try:
            yield Confide(url=server.url, server=server, mailbox=box)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            worker_log.close()
            server.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium, or deselect with -m 'not browser'")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@dataclass
class BrowserProblems:
    """Console errors, CSP violations and uncaught exceptions of every page opened in a test."""

    problems: list[str] = field(default_factory=list)
    expected_error_pages: set[str] = field(default_factory=set)

    def expect_error_page(self, url: str) -> None:
        """The test opens `url` knowing that it answers with an error status (a 404 page, say)."""
        self.expected_error_pages.add(url)

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("page", self._watch_page)
        return context

    def assert_none(self) -> None:
        assert not self.problems, "the browser reported problems:\n" + "\n".join(self.problems)

    def _watch_page(self, page: Page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self._page_error(page, error))

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        # Chromium reports every error status as a failed load, the page's own status included.
        failed_load = message.text.startswith("Failed to load resource")
        if failed_load and message.location.get("url") in self.expected_error_pages:
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"{page.url}: console {message.type}: {message.text}")

    def _page_error(self, page: Page, error: Error) -> None:
        self.problems.append(f"{page.url}: uncaught {error.name}: {error.message}")


@pytest.fixture
def problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def new_context(browser: Browser, problems: BrowserProblems) -> Iterator[Callable[[], BrowserContext]]:
    """Open separate browser contexts (separate cookie jars: separate people), closed at the end."""
    contexts: list[BrowserContext] = []

    def open_context() -> BrowserContext:
        context = problems.watch(browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US"))
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(30_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
