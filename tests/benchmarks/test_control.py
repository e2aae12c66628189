"""The plaintext control of the load benchmark shows the same chart as Confide, from its plain copy.

The ratio the load benchmark reports is fair only when the control reads and renders what
Confide's chart does: these tests seed a small practice, open a chart in both servers and compare
the sections, the words in the page and the size of the HTML.
"""

from __future__ import annotations

import argparse
import html
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from benchmarks.bench_load import Control
from benchmarks.bench_load import seed as seed_practice
from benchmarks.loadkit import CONTROL_TABLES, PASSWORD, Browser, sign_in, write_control

from tests.conftest import Person
from tests.processes import Server, base_env, free_port, init_practice, scratch_database

SECTION = re.compile(r"<section\b([^>]*)>\s*(?:<div[^>]*>\s*)?<h2[^>]*>([^<]+)</h2>")
ID = re.compile(r'\bid="([^"]+)"')
HEADING = re.compile(r"<h([1-3])[^>]*>([^<]+)</h\1>")
MAIN = re.compile(r"<main\b.*?</main>", re.S)
TAG = re.compile(r"<[^>]+>")


def sections(page: str) -> list[tuple[str, str]]:
    """The page's sections in order: (id or "", heading)."""
    found = [(ID.search(attributes), heading.strip()) for attributes, heading in SECTION.findall(page)]
    return [(section_id.group(1) if section_id else "", heading) for section_id, heading in found]


def headings(page: str) -> list[str]:
    return [text.strip() for _, text in HEADING.findall(page)]


def main_text(page: str) -> list[str]:
    """The words inside <main>, tags dropped and spaces folded, one string per non-empty line."""
    found = MAIN.search(page)
    assert found is not None, "the page has a <main>"
    text = html.unescape(TAG.sub(" ", found.group(0)))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@dataclass
class Pages:
    confide: dict[str, str]
    control: dict[str, str]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pages]:
    """One clinician with two clients (the first with a portal account): both charts, from both servers."""
    workdir = tmp_path_factory.mktemp("control")
    data_dir = workdir / "data"
    control_db = workdir / "control.sqlite3"
    with scratch_database() as database_url:
        env = base_env(data_dir, database_url, CONFIDE_EMAIL_BACKEND="locmem")
        init_practice(data_dir, env)
        seeded = seed_practice(env, argparse.Namespace(clinicians=1, caseload=2, notes=3, portal_clients=1,
                                                                    documents_every=1),
                               str(control_db), workdir)
        person = seeded["clinicians"][0]
        server = Server(env, free_port(), workers=1)
        try:
            browser = Browser(server.url)
            sign_in(browser, person["email"], PASSWORD)
            confide = {client: browser.get(f"/clients/{client}/").text for client in person["clients"]}
        finally:
            log = server.stop()
        assert "Traceback" not in log, log[-3000:]
        control = Control(str(control_db), free_port(), 1, 1, workdir / "control.log")
        try:
            plain = Browser(control.url)
            answers = {client: plain.get(f"/clients/{client}/") for client in person["clients"]}
            missing = plain.get("/clients/00000000-0000-0000-0000-000000000000/")
        finally:
            control.stop()
        assert all(answer.status == 200 for answer in answers.values())
        assert missing.status == 404, "an unknown client is not found in the control either"
        yield Pages(confide, {client: answer.text for client, answer in answers.items()})


@pytest.mark.server
def test_the_control_chart_has_confides_sections_in_the_same_order(pages: Pages) -> None:
    for client, page in pages.confide.items():
        expected = sections(page)
        assert ("plan", "Treatment plan") in expected and ("consent", "Consent and privacy") in expected
        assert ("documents", "Documents") in expected and ("sessions", "Sessions") in expected
        assert sections(pages.control[client]) == expected
        assert headings(pages.control[client]) == headings(page)


@pytest.mark.server
def test_the_control_chart_shows_the_same_words_as_confides(pages: Pages) -> None:
    for client, page in pages.confide.items():
        assert main_text(pages.control[client]) == main_text(page)


@pytest.mark.server
def test_the_seeded_chart_shows_every_part_that_is_seeded(pages: Pages) -> None:
    with_portal, without_portal = (main_text(page) for page in pages.confide.values())
    for words in (with_portal, without_portal):
        text = "\n".join(words)
        assert "Mild depressive episode" in text, "the treatment plan"
        assert "intake-letter.txt" in text, "the document"
        assert text.count("Attended") == 2 and text.count("Scheduled") == 1, "two past sessions and one upcoming"
        assert "Open" in words, "the open episode (its tag is a line of its own)"
        assert "555-0199" in text, "the contact details"
    assert "The client has a portal account." in "\n".join(with_portal)
    assert "The client has a portal account." not in "\n".join(without_portal)


@pytest.mark.server
def test_the_control_page_is_within_a_fifth_of_confides_size(pages: Pages) -> None:
    for client, page in pages.confide.items():
        ours, theirs = len(page.encode()), len(pages.control[client].encode())
        assert abs(ours - theirs) <= 0.2 * ours, (ours, theirs)


def test_the_control_copy_is_refused_when_a_table_does_not_match(bob: Person, tmp_path: Path) -> None:
    rows: dict[str, list[tuple[object, ...]]] = {table: [] for table in CONTROL_TABLES}
    with pytest.raises(RuntimeError, match="does not match"):
        write_control(str(tmp_path / "control.sqlite3"), rows)  # bob the clinician is not copied
    assert not (tmp_path / "control.sqlite3").exists()


def test_the_control_copy_holds_the_rows_it_was_given(bob: Person, tmp_path: Path) -> None:
    rows: dict[str, list[tuple[object, ...]]] = {table: [] for table in CONTROL_TABLES}
    rows["user"].append((bob.user.pk, "Bob"))
    write_control(str(tmp_path / "control.sqlite3"), rows)
    with sqlite3.connect(tmp_path / "control.sqlite3") as db:
        assert db.execute("SELECT id, display_name FROM control_user").fetchall() == [(bob.user.pk, "Bob")]
        assert db.execute("SELECT COUNT(*) FROM control_appointment").fetchone() == (0,)
