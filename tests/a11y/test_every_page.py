"""axe-core on every page of the authorization matrix, as each persona, at a desk and on a phone.

The world of tests/security/world.py is served by pytest-django's live server (as in
tests/browser/test_small_screens.py); for each persona every page it may open is checked at
1280 and at 390 px wide, and any serious or critical violation fails the test. SQLite only in CI.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.a11y.test_axe import AXE, BLOCKING
from tests.browser.test_small_screens import (
    _database_beside_the_browser,  # noqa: F401 (an autouse fixture, imported to apply here)
    _pages,
    world,  # noqa: F401 (a fixture)
)
from tests.security.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})
# The personas that see different pages: staff of each kind, the emergency holder, a client, a visitor.
PERSONAS = ("anonymous", "owner", "clinician_on_team", "supervisor_granted", "front_desk", "emergency_holder",
            "client")


def serious(page: Any, label: str) -> list[str]:
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{label}: {v['impact']} {v['id']}: {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_has_no_serious_violation(world: World, live_server: object, browser: Browser,  # noqa: F811
                                             persona: str) -> None:
    base = str(live_server)
    found: list[str] = []
    checked = 0
    for viewport in WIDTHS:
        context = browser.new_context(viewport=viewport, locale="en-US")  # type: ignore[arg-type]
        context.add_init_script(path=str(AXE))
        try:
            if persona != "anonymous":
                http = world.browser(persona)
                context.add_cookies([{"name": name, "value": morsel.value, "url": base}
                                     for name, morsel in http.cookies.items()])
            page = context.new_page()
            for path in _pages(world, persona):
                if path == "/clients/summary":
                    continue  # a fragment the home page loads into itself (checked there), not a page
                response = page.goto(base + path)
                if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                    continue
                checked += 1
                found += serious(page, f"{path} at {viewport['width']} px")
        finally:
            context.close()
    assert checked, f"{persona}: no page checked"
    assert not found, f"{persona}: axe-core found serious or critical violations:\n" + "\n".join(found)
