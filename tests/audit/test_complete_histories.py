"""Complete per-client histories (ADR 0014b): links inside the signed entries make omission visible."""

from __future__ import annotations

import pytest

from confide.audit import services
from confide.audit.models import LogEntry
from confide.auditlog import (
    ChainTracker,
    ClientLink,
    HistoryItem,
    LogIntegrityError,
    PurposeOfUse,
    check_history,
    decode_linked_entry,
)
from tests.audit.conftest import CLIENT, append

OTHER = "0d5e0c1e-aaaa-4bbb-8ccc-000000000000"


def _links(client_id: str) -> list[tuple[int, ClientLink | None]]:
    return [
        (position, decode_linked_entry(bytes(entry))[1])
        for position, entry in LogEntry.objects.filter(client_id=client_id).order_by("position").values_list(
            "position", "entry"
        )
    ]


def _read(limit: int = 100) -> services.LogExcerpt:
    return services.read_entries(
        actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST, client_id=CLIENT, limit=limit
    )


def test_each_entry_about_a_client_carries_its_number_and_previous_position(db: None) -> None:
    append(2)
    append(1, client_id=OTHER)
    append(1, client_id=None)
    append(2)
    links = _links(CLIENT)
    assert [link.seq for _, link in links if link] == [0, 1, 2, 3]
    assert [link.previous for _, link in links if link] == [None, links[0][0], links[1][0], links[2][0]]
    assert [link.seq for _, link in _links(OTHER) if link] == [0]


def test_the_history_is_complete_and_walked_from_the_newest(db: None) -> None:
    append(6)
    excerpt = _read()
    assert len(excerpt.entries) == 6
    assert [entry.position for entry in excerpt.entries] == sorted((e.position for e in excerpt.entries), reverse=True)


def test_a_censored_entry_fails_the_completeness_check(db: None) -> None:
    # Censoring a history through the untrusted index: blank the client id of one entry.
    append(5)
    victim = LogEntry.objects.filter(client_id=CLIENT).order_by("position")[2]
    LogEntry.objects.filter(position=victim.position).update(client_id="")
    with pytest.raises(LogIntegrityError, match="missing from the history") as caught:
        _read()
    assert caught.value.position == victim.position
    with pytest.raises(LogIntegrityError, match="client_id"):
        services.verify_stored_log()


def test_censoring_the_newest_entry_is_caught_by_verify(db: None) -> None:
    append(4)
    newest = LogEntry.objects.filter(client_id=CLIENT).order_by("-position").first()
    assert newest is not None
    LogEntry.objects.filter(position=newest.position).update(client_id="")
    # The sequencer finds a client's newest entry through the index, so the next entry about the
    # client links past the censored one: the walk cannot see it, but the chain now forks (two
    # entries with the same number), which verify's pass over every entry reports (ADR 0014b).
    _read()
    with pytest.raises(LogIntegrityError) as caught:
        services.verify_stored_log()
    assert caught.value.position == newest.position


def test_a_page_of_the_history_is_checked_as_far_as_it_goes(db: None) -> None:
    append(8)
    assert len(_read(limit=3).entries) == 3


def test_the_chain_tracker_refuses_a_link_that_does_not_follow() -> None:
    tracker = ChainTracker()
    tracker.feed(0, "c", ClientLink(0, None))
    tracker.feed(1, "c", ClientLink(1, 0))
    with pytest.raises(LogIntegrityError) as caught:
        tracker.feed(5, "c", ClientLink(3, 4))
    assert caught.value.position == 5


def test_check_history_counts_entries_from_before_the_links() -> None:
    anchor = ClientLink(4, 9)
    items = [HistoryItem(9, ClientLink(3, 7)), HistoryItem(7, ClientLink(2, 4)), HistoryItem(4, None),
             HistoryItem(1, None)]
    check_history(anchor, items, complete=True)
    with pytest.raises(LogIntegrityError, match="early entries"):
        check_history(anchor, items[:3], complete=True)
    with pytest.raises(LogIntegrityError, match="missing"):
        check_history(anchor, [items[0], items[2], items[3]], complete=True)


def test_a_linked_entry_round_trips_and_malformed_links_are_refused() -> None:
    from datetime import UTC, datetime

    from confide.auditlog import AuditEvent, AuditFormatError, Outcome, encode_entry, link_entry

    event = AuditEvent("record:note:read", datetime(2026, 12, 3, tzinfo=UTC), "user:7", "TREAT", Outcome.SUCCESS,
                       client_id=CLIENT)
    linked = link_entry(encode_entry(event), ClientLink(3, 41))
    assert linked[4] == 2 and decode_linked_entry(linked) == (event, ClientLink(3, 41))
    with pytest.raises(AuditFormatError, match="already carries"):
        link_entry(linked, ClientLink(4, 42))
    with pytest.raises(AuditFormatError, match="only a client's first"):
        ClientLink(0, 5)
    anonymous = AuditEvent("auth:session:created", event.occurred_at, "user:7", "TREAT", Outcome.SUCCESS)
    with pytest.raises(AuditFormatError, match="about a client"):
        encode_entry(anonymous, ClientLink(0, None))
    with pytest.raises(AuditFormatError, match="must be about a client"):
        decode_linked_entry(encode_entry(anonymous)[:4] + b"\x02" + encode_entry(anonymous)[5:] + bytes(16))


def test_a_censored_history_is_refused_by_the_api_and_the_page_not_shown(bob: object, relaxed: object) -> None:
    from django.test import Client

    from confide.records import services as records
    from tests.accounts.test_signin import sign_in
    from tests.api.conftest import token_of
    from tests.records.conftest import vault_of

    vault = vault_of(bob)  # type: ignore[arg-type]
    client = records.create_client(vault, records.Demographics(given_name="Ada", family_name="Brook"))
    records.create_note(vault, client.public_id, kind="progress", session_date="2026-11-20", body="Session.",
                        sign=True)  # fmt: skip
    victim = LogEntry.objects.filter(client_id=str(client.public_id)).order_by("position").first()
    assert victim is not None
    LogEntry.objects.filter(position=victim.position).update(client_id="")
    response = Client().get(f"/api/v1/clients/{client.public_id}/access-log",
                            headers={"Authorization": f"Bearer {token_of(bob)}"})  # type: ignore[arg-type]
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    browser = Client()
    sign_in(browser, bob.email, bob.password)  # type: ignore[attr-defined]
    page = browser.get(f"/clients/{client.public_id}/access-log/")
    assert page.status_code == 409 and b"integrity check" in page.content


def _page(before: int | None, limit: int) -> services.LogExcerpt:
    return services.read_entries(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST, client_id=CLIENT,
                                 limit=limit, before=before)


def test_older_pages_reach_every_entry_and_each_is_checked(db: None) -> None:
    written = append(10)
    seen: list[int] = []
    page = _page(None, 4)
    while True:
        seen.extend(entry.position for entry in page.entries if entry.event.tag == "record:note:read")
        before = services.older_than(page.entries)
        if before is None:
            break
        page = _page(before, 4)
    assert sorted(seen) == written


def test_a_censored_older_page_is_refused_not_shown_incomplete(db: None) -> None:
    written = append(9)
    first = _page(None, 3)
    before = services.older_than(first.entries)
    assert before is not None
    # Censor an entry that only the second page would list.
    victim = written[3]
    LogEntry.objects.filter(position=victim).update(client_id="")
    with pytest.raises(LogIntegrityError, match="missing from the history") as caught:
        _page(before, 3)
    assert caught.value.position == victim


def test_a_censored_last_page_is_refused(db: None) -> None:
    written = append(5)
    first = _page(None, 3)
    LogEntry.objects.filter(position=written[0]).update(client_id="")
    with pytest.raises(LogIntegrityError):
        _page(services.older_than(first.entries), 3)


def test_a_page_below_an_entry_about_someone_else_is_refused(db: None) -> None:
    append(2)
    elsewhere = append(1, client_id=OTHER)[0]
    with pytest.raises(ValueError, match="about this client"):
        _page(elsewhere, 3)
    with pytest.raises(ValueError, match="earlier entry"):
        _page(10_000, 3)
    with pytest.raises(ValueError, match="earlier entry"):
        _page(-1, 3)


def test_the_whole_history_is_read_under_one_logged_read_and_checked_complete(db: None) -> None:
    written = append(7)
    whole = services.read_whole_client_history(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST,
                                               client_id=CLIENT)
    assert [e.position for e in whole.entries if e.event.tag == "record:note:read"] == written[::-1]
    LogEntry.objects.filter(position=written[2]).update(client_id="")
    with pytest.raises(LogIntegrityError):
        services.read_whole_client_history(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST,
                                           client_id=CLIENT)
