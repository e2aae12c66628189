"""The unlocked key travels with the browser, not in a process: any `confide serve` opens the record.

The owner signs in on server A, registers a client on server B and opens the chart alternately
on A and B (two worker processes each). Every process rebuilds her vault from the wrapped key in
the shared session store and the secret in her cookie; a server started afterwards, which never
saw her sign in, opens the chart too. Without the cookie secret, no process can.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import totp_code
from tests.processes import OWNER_PASSWORD, Server, base_env, free_port, init_practice, scratch_database
from tests.server.test_serve import _csrf

pytestmark = pytest.mark.server

GIVEN, FAMILY = "Rosalind", "Achterberg-Quist"
VAULT_COOKIE = "confide_vault"  # over plain HTTP; `__Host-confide_vault` behind TLS


class Servers:
    """Two running servers on one data directory, and a way to start more."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.running: list[Server] = []

    def start(self) -> Server:
        server = Server(self.env, free_port())
        self.running.append(server)
        return server


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    with scratch_database() as database_url:
        data_dir = tmp_path / "data"
        env = base_env(data_dir, database_url)
        init_practice(data_dir, env)
        pool = Servers(env)
        try:
            yield pool
        finally:
            for server in pool.running:
                server.stop()


def _post(browser: requests.Session, url: str, data: dict[str, str], *, follow: bool = True) -> requests.Response:
    """Fetch the form for its CSRF token, then post it (as a browser would, with a Referer)."""
    token = _csrf(browser, url)
    return browser.post(url, data={"csrfmiddlewaretoken": token, **data}, headers={"Referer": url}, timeout=10,
                        allow_redirects=follow)


def sign_in_and_enrol(browser: requests.Session, a: Server, b: Server) -> None:
    """Sign the owner in on A and enrol the TOTP factor the practice requires (pages from B, answers to A)."""
    response = _post(browser, f"{a.url}/accounts/login/", {"login": "alice@example.test", "password": OWNER_PASSWORD})
    assert response.url.endswith("/account/security/"), "the owner is sent to enrol a second factor"
    _post(browser, f"{b.url}/accounts/reauthenticate/", {"password": OWNER_PASSWORD})
    page = browser.get(f"{b.url}/accounts/2fa/totp/activate/", timeout=10)
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text) or re.search(
        r'value="([A-Z2-7]{16,})"', page.text)
    assert secret, "the TOTP secret is shown for manual entry"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    activated = browser.post(
        f"{a.url}/accounts/2fa/totp/activate/",
        data={"csrfmiddlewaretoken": token.group(1), "code": totp_code(secret.group(1))},
        headers={"Referer": f"{a.url}/accounts/2fa/totp/activate/"}, timeout=10)
    assert activated.status_code == 200 and "/accounts/2fa/recovery-codes/" in activated.url


def register_client(browser: requests.Session, server: Server) -> str:
    """Register a client through the web form with the owner as primary clinician; returns the chart path."""
    form = browser.get(f"{server.url}/clients/new", timeout=10, allow_redirects=False)
    assert form.status_code == 200, form.text[:500]
    select = re.search(r'<select name="primary_clinician".*?</select>', form.text, re.S)
    assert select, "owners name the primary clinician"
    choices = re.findall(r'<option value="(\d+)"', select.group(0))
    assert len(choices) == 1, "the owner is the only clinician of a new practice, and may be primary"
    registered = _post(browser, f"{server.url}/clients/new", {
        "given_name": GIVEN, "family_name": FAMILY, "date_of_birth": "1979-05-02", "primary_clinician": choices[0]},
        follow=False)
    assert registered.status_code == 302, registered.text[:1000]
    location = registered.headers["Location"]
    assert re.fullmatch(r"/clients/[0-9a-f-]{36}/", location), location
    return location


def assert_chart(browser: requests.Session, server: Server, chart: str, what: str) -> None:
    page = browser.get(f"{server.url}{chart}", timeout=10, allow_redirects=False)
    assert page.status_code == 200, f"{what} on {server.url}: {page.status_code} {page.headers.get('Location')}"
    assert f"{GIVEN} {FAMILY}" in page.text, what
    assert page.headers["Cache-Control"] == "no-store"


def test_the_unlocked_key_travels_between_processes_in_the_session_and_the_cookie(servers: Servers) -> None:
    a, b = servers.start(), servers.start()
    browser = requests.Session()
    sign_in_and_enrol(browser, a, b)
    assert browser.cookies.get(VAULT_COOKIE), "the vault secret lives in a cookie"

    chart = register_client(browser, b)
    for index in range(10):
        server = (a, b)[index % 2]
        assert_chart(browser, server, chart, f"chart request {index}")

    # A process that did not exist when she signed in serves her as well: nothing lived in memory.
    c = servers.start()
    assert_chart(browser, c, chart, "a freshly started server")

    # The session alone opens nothing: without the cookie secret every process asks her to unlock.
    locked = requests.Session()
    for cookie in browser.cookies:
        if cookie.name != VAULT_COOKIE:
            locked.cookies.set(cookie.name, cookie.value)
    for server in (a, b, c):
        page = locked.get(f"{server.url}{chart}", timeout=10, allow_redirects=False)
        assert page.status_code == 302 and page.headers["Location"].startswith("/vault/unlock"), server.url
        assert FAMILY not in page.text
