"""Issue 23's page fixes: the not-found page in the layout, one date format, one voice (allauth too)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import Client as HttpClient
from django.utils import timezone

from tests.conftest import Person
from tests.web.test_records_pages import browser_of

pytestmark = pytest.mark.django_db


def test_the_not_found_page_is_inside_the_layout_and_names_nothing(bob: Person) -> None:
    page = browser_of(bob).get("/clients/00000000-0000-0000-0000-000000000000/secret-looking-path?q=Zqx")
    assert page.status_code == 404
    html = page.content.decode()
    assert 'aria-label="Main"' in html, "the menu is there to go on from"
    assert "Not found" in html and "secret-looking-path" not in html and "Zqx" not in html
    anonymous = HttpClient().get("/no-such-page/?who=Zqx")
    assert anonymous.status_code == 404 and "Zqx" not in anonymous.content.decode()


def test_one_date_format_for_every_page() -> None:
    moment = timezone.make_aware(dt.datetime(2026, 12, 3, 14, 5))
    rendered = Template("{{ d|day }}|{{ m|day }}|{{ m|when }}|{{ d|weekday }}|{{ none|when }}").render(
        Context({"d": dt.date(2026, 12, 3), "m": moment, "none": None}))
    assert rendered == "3 Dec 2026|3 Dec 2026|3 Dec 2026, 14:05|Thu 3 Dec 2026|"


def test_allauths_pages_speak_in_sentence_case(bob: Person) -> None:
    http = browser_of(bob)
    http.post("/accounts/reauthenticate/", {"password": "unused"})
    html = HttpClient().get("/accounts/login/").content.decode()
    assert "Sign In" not in html
    page = http.get("/accounts/password/change/").content.decode()
    assert "Change Password" not in page and "Change password" in page

