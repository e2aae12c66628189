"""The client's access history in the portal: pages, folding, and the whole history as CSV and PDF."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client as Browser

from confide.audit.models import LogEntry
from confide.portal.models import ClientAccount
from confide.records import access_history, care
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.portal.conftest import CLIENT_PASSWORD
from tests.portal.test_views import sign
from tests.records.conftest import vault_of


@pytest.fixture
def as_client(client_account: ClientAccount, relaxed: object) -> Browser:
    http = Browser()
    response = sign_in(http, client_account.user.email, CLIENT_PASSWORD)
    assert response.status_code == 302
    return http


def _busy(bob: Person, account: ClientAccount, reads: int) -> None:
    for _ in range(reads):
        care.get_treatment_plan(vault_of(bob), account.client.public_id)


def test_the_portal_pages_through_every_entry(as_client: Browser, bob: Person, client_account: ClientAccount,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_history, "DEFAULT_PAGE", 3)
    _busy(bob, client_account, 5)
    page = as_client.get("/portal/access/").content.decode()
    assert "Show older entries" in page and "read your treatment plan" in page
    pages = 1
    while 'href="?before=' in page:
        older = page.split('href="?before=')[1].split('"')[0].split("&")[0]
        response = as_client.get(f"/portal/access/?before={older}")
        assert response.status_code == 200
        page = response.content.decode()
        pages += 1
    assert "This is the start of the history." in page and "registered you as a client" in page
    assert pages >= 3
    assert as_client.get("/portal/access/?before=nope").status_code == 400


def test_the_clients_own_actions_are_folded_away_by_default(as_client: Browser,
                                                            client_account: ClientAccount) -> None:
    sign(as_client)
    page = as_client.get("/portal/access/").content.decode()
    assert "signed the consent document" not in page and "of your own actions on this page folded away" in page
    assert "signed the consent document" in as_client.get("/portal/access/?own=1").content.decode()


def test_the_whole_history_downloads_as_csv_with_every_entry(as_client: Browser, bob: Person,
                                                             client_account: ClientAccount) -> None:
    _busy(bob, client_account, 4)
    response = as_client.get("/portal/access/history.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="access-history.csv"'
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("When") and rows[1][0].endswith("+00:00") and len(rows[0]) == 8
    positions = [int(r[6]) for r in rows[1:]]
    newest = positions[0]
    expected = list(LogEntry.objects.filter(client_id=str(client_account.client.public_id), position__lte=newest)
                    .order_by("-position").values_list("position", flat=True))
    assert positions == expected
    assert sum(1 for r in rows if r[2] == "read your treatment plan") == 4
    assert "Quastenbrook" not in response.content.decode("utf-8-sig")


def test_the_whole_history_downloads_as_a_pdf(as_client: Browser, bob: Person,
                                              client_account: ClientAccount) -> None:
    _busy(bob, client_account, 2)
    response = as_client.get("/portal/access/history.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="access-history.pdf"'
    assert as_client.get("/portal/access/history.doc").status_code == 404
    assert as_client.get("/portal/access/history.pdf?x=1").status_code == 200


def test_a_censored_history_is_not_downloaded(as_client: Browser, bob: Person,
                                              client_account: ClientAccount) -> None:
    _busy(bob, client_account, 2)
    victim = LogEntry.objects.filter(client_id=str(client_account.client.public_id)).order_by("position").first()
    assert victim is not None
    LogEntry.objects.filter(position=victim.position).update(client_id="")
    for path in ("/portal/access/history.csv", "/portal/access/history.pdf", "/portal/access/"):
        response = as_client.get(path)
        assert response.status_code == 409 and b"integrity check" in response.content, path


def test_staff_cannot_download_a_clients_history(bob: Person, relaxed: object,
                                                 client_account: ClientAccount) -> None:
    http = Browser()
    sign_in(http, bob.email, bob.password)
    assert http.get("/portal/access/history.csv").status_code == 403


def test_a_csv_cell_cannot_become_a_formula() -> None:
    from confide.portal.access import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("Dr. Vale") == "Dr. Vale"
