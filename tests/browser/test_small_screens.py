"""Every page of the authorization matrix, as every persona, fits a 390 x 844 phone screen.

The world of tests/security/world.py is built in the test database and served by pytest-django's
live server; each persona signs in through the real sign-in form (Django's test client) and its
session cookie is handed to Chromium. A page fails when the document is wider than the window,
that is when a person would have to scroll sideways to read it. Tables may scroll inside their
own box (`.table-scroll`), which does not widen the document.

SQLite only in CI (the pages are the same on PostgreSQL; this test is about layout).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.security import matrix
from tests.security.world import World, build_world
from tests.web.test_form_requirements import pages_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WIDER_THAN_THE_WINDOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= window.innerWidth) return null;
  // Name the widest element that pokes out, so the failure says where to look.
  let worst = null, right = window.innerWidth;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const spill = r.left + el.scrollWidth;
    const style = getComputedStyle(el);
    const clips = style.overflowX !== 'visible';
    const edge = Math.max(r.right, clips ? 0 : spill);
    if (edge > right + 1 && !el.closest('.table-scroll')) { right = edge; worst = el; }
  }
  const name = worst ? worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '') +
    (worst.className && typeof worst.className === 'string'
      ? '.' + worst.className.trim().split(/\\s+/).join('.') : '') : '?';
  return {width: doc.scrollWidth, element: name};
}"""


@pytest.fixture(scope="module", autouse=True)
def _database_beside_the_browser() -> Iterator[None]:
    # Playwright's sync API keeps an event loop on this thread; the world is built here, with
    # the ORM, while Chromium waits (never concurrently), which Django allows only when told.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def world(transactional_db: None) -> World:
    return build_world()


@pytest.fixture(scope="module")
def phone_browser(browser: Browser) -> Browser:
    return browser


def _pages(world: World, persona: str) -> list[str]:
    # A document opens as a download, not a page; the not-found page is a page of the layout too.
    return [p for p in pages_for(world, persona) if "/documents/" not in p or p.endswith("/documents/")] + [
        "/no-such-page/"]


@pytest.mark.parametrize("persona", matrix.personas())
def test_every_page_fits_a_phone(world: World, live_server: object, phone_browser: Browser, persona: str) -> None:
    base = str(live_server)
    context = phone_browser.new_context(viewport=PHONE, locale="en-US")
    try:
        if persona != "anonymous":
            http = world.browser(persona)
            context.add_cookies([{"name": name, "value": morsel.value, "url": base}
                                 for name, morsel in http.cookies.items()])
        page = context.new_page()
        too_wide: list[str] = []
        opened = 0
        for path in _pages(world, persona):
            response = page.goto(base + path)
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            opened += 1
            found = page.evaluate(WIDER_THAN_THE_WINDOW)
            if found:
                too_wide.append(f"{path}: {found['width']} px wide (widest: {found['element']})")
        assert opened, f"{persona}: no page opened"
        assert not too_wide, f"{persona}: pages wider than a {PHONE['width']} px window:\n" + "\n".join(too_wide)
    finally:
        context.close()


def test_the_check_sees_a_page_wider_than_the_window(phone_browser: Browser) -> None:
    context = phone_browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content('<body style="margin:0"><div style="width:600px">wide</div></body>')
        assert page.evaluate(WIDER_THAN_THE_WINDOW)["width"] >= 600
        page.set_content('<body style="margin:0"><div class="table-scroll" style="overflow-x:auto">'
                         '<div style="width:600px">wide, in its own box</div></div></body>')
        assert page.evaluate(WIDER_THAN_THE_WINDOW) is None
    finally:
        context.close()
