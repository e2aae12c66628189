"""Batched appends (docs/adr/0005-batched-audit-appends.md): events wait in a pending table and
are placed in the log after commit, one signed tree head per batch.

These tests run with the after-commit path the server uses (the rest of the suite places events
inline, because its transactions never commit).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection, transaction

from confide.audit import services
from confide.audit.models import LogEntry, PendingEvent
from confide.audit.store import insert_pending
from confide.auditlog import Outcome, PurposeOfUse, encode_entry, hash_leaf
from confide.auditlog.events import AuditEvent
from tests.audit.conftest import CLIENT, newest_position, row, sql, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _batched(settings: Any) -> None:
    settings.CONFIDE_AUDIT_SEQUENCER = "after-commit"


def record(client_id: str = CLIENT) -> None:
    services.record_event(
        "record:note:read",
        actor_id="user:7",
        purpose=PurposeOfUse.TREATMENT,
        outcome=Outcome.SUCCESS,
        client_id=client_id,
    )


def batch_of(count: int) -> None:
    """Record `count` events in one committed transaction: they are sequenced as one batch."""
    with transaction.atomic():
        for _ in range(count):
            record()


def test_an_event_is_pending_until_commit_then_placed_in_the_log() -> None:
    with transaction.atomic():
        record()
        assert PendingEvent.objects.count() == 1, "inside the writer's transaction, with no lock taken"
        assert not LogEntry.objects.exists()
    assert not PendingEvent.objects.exists()
    assert newest_position() == 0
    assert row(0)["signature"] is not None


def test_a_committed_batch_gets_one_signed_head_on_its_last_row() -> None:
    batch_of(5)
    batch_of(3)
    signed = [row(position)["signature"] is not None for position in range(8)]
    assert signed == [False, False, False, False, True, False, False, True]
    head = services.latest_head()
    assert head is not None and head.size == 8
    assert verify()[0] == 0


def test_an_event_of_a_rolled_back_action_never_reaches_the_log() -> None:
    def failing_action() -> None:
        with transaction.atomic():
            record()
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()
    assert not PendingEvent.objects.exists() and not LogEntry.objects.exists()


def test_events_left_pending_are_placed_by_verify() -> None:
    record()
    # A writer killed between its commit and its sequencing leaves a committed pending event.
    event = services.new_event("record:note:read", actor_id="user:7", purpose="TREAT", outcome="success")
    with transaction.atomic():
        insert_pending([(encode_entry(event), event)])
    assert PendingEvent.objects.count() == 1 and LogEntry.objects.count() == 1
    code, output = verify()
    assert code == 0 and "intact: 2 entries" in output
    assert not PendingEvent.objects.exists()


def test_a_log_that_cannot_grow_keeps_the_committed_event_pending(caplog: pytest.LogCaptureFixture) -> None:
    batch_of(2)
    sql('DELETE FROM audit_node WHERE level = 1 AND "index" = 0')
    with caplog.at_level(logging.WARNING, logger="confide.audit.services"):
        record()  # the action's transaction commits; placing its event fails afterwards
    assert PendingEvent.objects.count() == 1 and LogEntry.objects.count() == 2
    assert "could not be sequenced yet" in caplog.text and CLIENT not in caplog.text
    with pytest.raises(services.AuditAppendError, match="refuses to grow"):
        services.read_entries(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST, client_id=CLIENT)


def test_a_malformed_pending_event_is_reported_and_stops_reads_of_the_log() -> None:
    batch_of(2)
    sql(
        "INSERT INTO audit_pending (entry, tag, actor_id, client_id, occurred_at) VALUES (%s, %s, %s, %s, %s)",
        (b"not an entry", "record:note:read", "user:7", "", "2026-01-01 00:00:00"),
    )
    pending_id = PendingEvent.objects.get().id
    code, output = verify()
    assert code == 1 and "NOT intact" in output
    assert f"pending ids {pending_id}" in output
    with pytest.raises(services.AuditAppendError, match="malformed"):
        services.read_entries(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST, client_id=CLIENT)
    assert LogEntry.objects.count() == 2, "nothing half-written"


def test_a_rewrite_inside_a_batch_is_narrowed_to_that_batch() -> None:
    batch_of(4)  # positions 0..3, head on 3
    batch_of(4)  # positions 4..7, head on 7
    batch_of(4)  # positions 8..11, head on 11
    forged = AuditEvent.at_microseconds("record:note:read", 0, "user:8", "TREAT", "success")
    entry = encode_entry(forged)
    sql("UPDATE audit_entry SET entry = %s, leaf_hash = %s WHERE position = 5", (entry, hash_leaf(entry)))
    code, output = verify()
    assert code == 1
    assert "First bad position: somewhere in 4..7" in output


def test_an_edit_without_a_recomputed_hash_is_exact_inside_a_batch() -> None:
    batch_of(6)
    sql("UPDATE audit_entry SET entry = %s WHERE position = 2", (row(3)["entry"],))
    code, output = verify()
    assert code == 1 and "First bad position: 2\n" in output


def test_unsigned_rows_added_at_the_end_are_found() -> None:
    batch_of(3)
    forged = AuditEvent.at_microseconds("record:note:read", 0, "user:8", "TREAT", "success")
    entry = encode_entry(forged)
    for position in (3, 4):
        sql(
            "INSERT INTO audit_entry (position, entry, leaf_hash, tag, actor_id, client_id, occurred_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (position, entry, hash_leaf(entry), "record:note:read", "user:8", "", "2026-01-01 00:00:00"),
        )
    code, output = verify()
    assert code == 1 and "First bad position: 3\n" in output and "no signed tree head" in output
    record()
    assert PendingEvent.objects.count() == 1, "the log refuses to grow over unsigned rows"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock exists on PostgreSQL only")
def test_a_writer_that_finds_the_sequencer_busy_leaves_its_event_for_it() -> None:
    import threading

    from django.db import connections

    held = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x43464145])
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert held.wait(30)
    record()  # commits; its try-lock fails, so it does not wait
    assert PendingEvent.objects.count() == 1 and not LogEntry.objects.exists()
    release.set()
    holder.join()
    assert services.sequence_pending(wait=False) == 1
    assert not PendingEvent.objects.exists() and newest_position() == 0


def _advisory_locks_held_here() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        found = cursor.fetchone()
    return int(found[0]) if found else 0


def test_an_event_outside_a_transaction_is_one_statement_and_is_placed_at_once() -> None:
    from django.test.utils import CaptureQueriesContext

    record()  # warm: the signing key is registered with the first batch
    with CaptureQueriesContext(connection) as captured:
        record()
    statements = [query["sql"] for query in captured.captured_queries]
    first_write = next(i for i, sql_text in enumerate(statements) if "audit_pending" in sql_text)
    assert statements[first_write].startswith('INSERT INTO "audit_pending"')
    assert not any(sql_text.upper().startswith("BEGIN") for sql_text in statements[:first_write]), statements
    assert not PendingEvent.objects.exists() and newest_position() == 1
    code, output = verify()
    assert code == 0 and "intact: 2 entries" in output


def test_many_events_outside_a_transaction_are_all_or_nothing() -> None:
    events = [services.new_event("record:note:read", actor_id="user:7", purpose=PurposeOfUse.TREATMENT,
                                 outcome=Outcome.SUCCESS, client_id=CLIENT) for _ in range(450)]
    services.record_events(events)  # more than one INSERT statement: inside one transaction
    assert newest_position() == 449 and not PendingEvent.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock exists on PostgreSQL only")
def test_the_sequencer_lock_is_released_after_each_commit() -> None:
    for _ in range(3):
        record()
        assert _advisory_locks_held_here() == 0
    assert newest_position() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock exists on PostgreSQL only")
def test_the_sequencer_lock_is_released_when_the_log_cannot_grow(caplog: pytest.LogCaptureFixture) -> None:
    batch_of(2)
    sql('DELETE FROM audit_node WHERE level = 1 AND "index" = 0')
    with caplog.at_level(logging.WARNING, logger="confide.audit.services"):
        record()
    assert "could not be sequenced yet" in caplog.text
    assert _advisory_locks_held_here() == 0, "a lock left behind would stop every later sequencer"
    assert PendingEvent.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock exists on PostgreSQL only")
def test_a_waiting_reader_gets_the_lock_once_an_after_commit_sequencer_lets_go() -> None:
    import threading

    from django.db import connections

    held = threading.Event()
    release = threading.Event()

    def hold_session_lock() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [0x43464145])  # as an after-commit sequencer does
            held.set()
            release.wait(30)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [0x43464145])
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_session_lock)
    holder.start()
    assert held.wait(30)
    record()  # its try-lock fails: the event stays pending
    assert PendingEvent.objects.count() == 1
    release.set()
    holder.join()
    assert services.sequence_pending(wait=True) == 1
    assert not PendingEvent.objects.exists() and newest_position() == 0
