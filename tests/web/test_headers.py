"""Every page carries the security headers; nothing Confide renders may be cached."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.routes import all_paths

REQUIRED = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def assert_secure_headers(response, path: str) -> None:  # type: ignore[no-untyped-def]
    for name, value in REQUIRED.items():
        assert response.get(name) == value, f"{path}: {name} is {response.get(name)!r}"
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
    script_src = re.search(r"script-src ([^;]+)", csp)
    assert script_src and "'unsafe-inline'" not in script_src.group(1), path
    assert "'unsafe-eval'" not in script_src.group(1), path
    if response.status_code == 200 and b"<script" in response.content:
        assert "'nonce-" in script_src.group(1), f"{path} renders scripts without a nonce in its policy"
    assert "camera=()" in response.get("Permissions-Policy", ""), path


def test_the_route_list_is_not_empty() -> None:
    paths = all_paths()
    assert "/" in paths and "/accounts/login/" in paths and "/api/v1/health" in paths


@pytest.mark.parametrize("path", all_paths())
def test_every_page_has_security_headers_when_signed_out(client: Client, db: None, path: str) -> None:
    assert_secure_headers(client.get(path), path)


@pytest.mark.parametrize("path", all_paths())
def test_every_page_has_security_headers_when_signed_in(
    client: Client, alice: Person, relaxed: object, path: str
) -> None:
    sign_in(client, alice.email, alice.password)
    assert_secure_headers(client.get(path), path)


def test_pages_use_a_fresh_nonce_and_no_inline_scripts(client: Client, db: None) -> None:
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")
    nonce1 = re.search(r"'nonce-([^']+)'", first["Content-Security-Policy"]).group(1)  # type: ignore[union-attr]
    nonce2 = re.search(r"'nonce-([^']+)'", second["Content-Security-Policy"]).group(1)  # type: ignore[union-attr]
    assert nonce1 != nonce2
    html = first.content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script: {tag}"
    assert "style=" not in html


def test_hsts_is_sent_over_https(client: Client, db: None) -> None:
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=63072000")
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")


def test_static_files_are_served_and_cacheable(client: Client, db: None) -> None:
    from django.test import override_settings  # noqa: F401  (WhiteNoise serves through the test client too)

    response = client.get("/static/confide/css/confide.css")
    assert response.status_code == 200


# The pages of the portal, disclosures, break-glass and the owner's oversight, opened with real ids
# by the persona each is for (tests/security/world.py), so the headers checked are those of the page
# itself rather than of a 404.
REAL_PAGES: dict[str, tuple[str, ...]] = {
    "client": ("/portal/", "/portal/consent/", "/portal/check-in/", "/portal/privacy/", "/portal/documents/",
               "/portal/documents/{signature_id}.pdf", "/portal/access/", "/portal/security/", "/portal/unlock"),
    "clinician_on_team": (
        "/clients/{client_id}/disclosures/", "/clients/{client_id}/disclosures/emergency/new",
        "/clients/{client_id}/disclosures/emergency/{disclosure_id}/",
        "/clients/{client_id}/disclosures/authorizations/new",
        "/clients/{client_id}/disclosures/authorizations/{authorization_id}/",
        "/clients/{client_id}/disclosures/court/new", "/clients/{client_id}/disclosures/other/new",
        "/clients/{client_id}/disclosures/accounting/", "/clients/{client_id}/disclosures/accounting.pdf",
        "/practice/consent-process/"),
    "owner": ("/alerts/", "/alerts/{alert_id}/", "/practice/emergency-access/", "/practice/jurisdiction/",
              "/practice/consent/", "/practice/consent/preview", "/practice/consent/preview.pdf"),
    "emergency_holder": ("/emergency/", "/clients/{client_id}/emergency"),
    "anonymous": ("/release/{release}/", "/portal/join/{join}/"),
}


@pytest.mark.parametrize("persona", sorted(REAL_PAGES))
def test_the_portal_disclosure_and_oversight_pages_have_security_headers(db: None, persona: str) -> None:
    from tests.security.world import build_world

    world = build_world()
    ids = world.ours.ids | {"release": world.ours.tokens["release/"], "join": world.ours.tokens["portal/join/"]}
    http = world.browser(persona)
    for template in REAL_PAGES[persona]:
        path = template.format(**ids)
        response = http.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert_secure_headers(response, path)
