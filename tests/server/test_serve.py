"""`confide serve` as deployed: several processes, one data directory, one signed-in person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import totp_code
from tests.processes import OWNER_PASSWORD, Server, base_env, free_port, init_practice, scratch_database

pytestmark = pytest.mark.server


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    with scratch_database() as database_url:
        data_dir = tmp_path / "data"
        env = base_env(data_dir, database_url)
        init_practice(data_dir, env)
        first = Server(env, free_port())
        second = Server(env, free_port())
        try:
            yield first, second
        finally:
            first.stop()
            second.stop()


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no form on {url}"
    return match.group(1)


def test_two_server_processes_serve_one_signed_in_person(two_servers: tuple[Server, Server]) -> None:
    a, b = two_servers
    browser = requests.Session()
    # Sign in on A; enrolment pages are served by B, answered on A: nothing lives in one process.
    token = _csrf(browser, f"{a.url}/accounts/login/")
    response = browser.post(
        f"{a.url}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": "alice@example.test", "password": OWNER_PASSWORD},
        headers={"Referer": f"{a.url}/accounts/login/"},
        timeout=10,
    )
    assert response.url.endswith("/account/security/"), "the owner is sent to enrol a second factor"

    token = _csrf(browser, f"{b.url}/accounts/reauthenticate/")
    browser.post(
        f"{b.url}/accounts/reauthenticate/",
        data={"csrfmiddlewaretoken": token, "password": OWNER_PASSWORD},
        headers={"Referer": f"{b.url}/accounts/reauthenticate/"},
        timeout=10,
    )
    page = browser.get(f"{b.url}/accounts/2fa/totp/activate/", timeout=10)
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text) or re.search(
        r'value="([A-Z2-7]{16,})"', page.text
    )
    assert secret, "the TOTP secret is shown for manual entry"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    activated = browser.post(
        f"{a.url}/accounts/2fa/totp/activate/",
        data={"csrfmiddlewaretoken": token, "code": totp_code(secret.group(1))},
        headers={"Referer": f"{a.url}/accounts/2fa/totp/activate/"},
        timeout=10,
    )
    assert activated.status_code == 200 and "/accounts/2fa/recovery-codes/" in activated.url

    for index in range(12):
        server = (a, b)[index % 2]
        home = browser.get(f"{server.url}/", timeout=10, allow_redirects=False)
        assert home.status_code == 200, f"request {index} on {server.url}"
        assert "Quiet Harbour Counselling" in home.text
        assert home.headers["Cache-Control"] == "no-store"

    # Signing out on B ends the session on A too.
    token = _csrf(browser, f"{b.url}/accounts/logout/")
    browser.post(
        f"{b.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{b.url}/accounts/logout/"},
        timeout=10,
    )
    assert browser.get(f"{a.url}/", timeout=10, allow_redirects=False).status_code == 302


def test_the_access_log_has_paths_but_no_query_strings(two_servers: tuple[Server, Server]) -> None:
    a, _ = two_servers
    requests.get(f"{a.url}/accounts/login/?next=/secret-query-value", timeout=10)
    requests.get(f"{a.url}/invite/a-one-time-token-value/", timeout=10)
    log = a.stop()
    assert '"GET /accounts/login/"' in log
    assert "secret-query-value" not in log
    assert "a-one-time-token-value" not in log and "/invite/[redacted]" in log
