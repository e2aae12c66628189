"""Appending events: in the caller's transaction, with a signed head per batch, never half-written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from confide.audit import services
from confide.audit.models import LogEntry, LogNode, PublishedHead, SigningKey
from confide.audit.signing import load_signing_key_file
from confide.auditlog import (
    AuditFormatError,
    LogIntegrityError,
    Outcome,
    PurposeOfUse,
    decode_entry,
    verify_entry_in_head,
)
from tests.audit.conftest import CLIENT, append, row, sql, verify


def test_it_appends_events_in_order_and_the_log_verifies(db: None) -> None:
    assert append(5) == [0, 1, 2, 3, 4]
    event = decode_entry(row(3)["entry"])
    assert (event.tag, event.actor_id, event.purpose, event.outcome, event.client_id) == (
        "record:note:read",
        "user:7",
        "TREAT",
        Outcome.SUCCESS,
        CLIENT,
    )
    assert verify() == (0, "The audit log is intact: 5 entries, " + verify()[1].split("entries, ")[1])
    # Every complete subtree is stored: 5 leaves, 2 pairs and 1 quadruple.
    assert LogNode.objects.count() == 8


def test_each_row_carries_a_signed_head_for_the_log_up_to_it(db: None, settings: Any) -> None:
    append(3)
    key = load_signing_key_file(Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE))
    head = services.latest_head()
    assert head is not None and head.size == 3
    stored = row(1)
    assert stored["key_id"] == key.key_id
    excerpt = services.read_entries(actor_id="user:7", purpose=PurposeOfUse.TREATMENT, client_id=CLIENT)
    for entry in excerpt.entries:
        verify_entry_in_head(key.public_key, excerpt.head, entry.entry, entry.position, entry.proof)


def test_the_event_is_part_of_the_callers_transaction(db: None) -> None:
    append(2)

    def failing_action() -> None:
        with transaction.atomic():
            append(1)
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()
    assert LogEntry.objects.count() == 2, "the event of a rolled-back action is gone with it"
    assert append(1) == [2], "and the next event takes its place without a gap"
    assert verify()[0] == 0


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"tag": "read a note"}, AuditFormatError),
        ({"actor_id": "alice@example.test"}, ValueError),
        ({"client_id": "alice@example.test"}, ValueError),
        ({"actor_id": "user 7"}, AuditFormatError),
        ({"outcome": "maybe"}, ValueError),
        ({"purpose": ""}, AuditFormatError),
    ],
)
def test_it_refuses_bad_events_before_writing_anything(db: None, kwargs: dict[str, str], error: type) -> None:
    arguments: dict[str, Any] = {
        "tag": "record:note:read",
        "actor_id": "user:7",
        "purpose": "TREAT",
        "outcome": "success",
        "client_id": CLIENT,
    }
    arguments.update(kwargs)
    tag = arguments.pop("tag")
    with pytest.raises(error):
        services.record_event(tag, **arguments)
    assert not LogEntry.objects.exists()


def test_the_public_key_is_registered_once(db: None) -> None:
    append(3)
    assert SigningKey.objects.count() == 1
    assert SigningKey.objects.get().retired_at is None


def test_a_missing_signing_key_stops_the_append_in_production(db: None, settings: Any, tmp_path: Path) -> None:
    settings.PRODUCTION = True
    settings.CONFIDE_AUDIT_SIGNING_KEY_FILE = tmp_path / "nowhere" / "key"
    with pytest.raises(services.AuditAppendError, match="does not exist"):
        append(1)
    assert not LogEntry.objects.exists()


def test_a_damaged_signing_key_stops_the_append(db: None, settings: Any) -> None:
    Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE).write_text("confide audit signing key v1\nprivate: AAAA\n")
    with pytest.raises(services.AuditAppendError, match="damaged"):
        append(1)


def test_a_failed_append_leaves_the_callers_transaction_usable(db: None) -> None:
    append(2)
    sql('DELETE FROM audit_node WHERE level = 1 AND "index" = 0')
    with transaction.atomic():
        with pytest.raises(services.AuditAppendError, match="refuses to grow"):
            append(1)
        assert LogEntry.objects.count() == 2, "the caller can still use its transaction (and must roll back)"


def test_it_refuses_to_sign_over_rewritten_subtree_hashes(db: None) -> None:
    """Otherwise someone who rewrote `audit_node` could have Confide sign a history of their choosing."""
    append(4)
    sql('UPDATE audit_node SET hash = %s WHERE level = 2 AND "index" = 0', (bytes(32),))
    with pytest.raises(services.AuditAppendError, match="subtree hashes"):
        append(1)


def test_it_refuses_to_extend_a_head_signed_by_an_untrusted_key(db: None) -> None:
    append(2)
    sql("UPDATE audit_entry SET signature = %s WHERE position = 1", (bytes(64),))
    with pytest.raises(services.AuditAppendError, match="not valid"):
        append(1)


def test_reading_the_log_is_itself_logged(db: None) -> None:
    append(2)
    append(1, client_id="0d5e0c1e-aaaa-4bbb-8ccc-000000000000")
    excerpt = services.read_entries(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST, client_id=CLIENT)
    assert [entry.position for entry in excerpt.entries] == [1, 0]
    read = decode_entry(row(3)["entry"])
    assert (read.tag, read.actor_id, read.purpose, read.client_id) == ("audit:log:read", "user:3", "PATRQT", CLIENT)
    assert excerpt.head.size == 4


def test_a_read_that_cannot_be_logged_returns_nothing(db: None, settings: Any) -> None:
    append(2)
    Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE).write_text("not a key\n")
    with pytest.raises(services.AuditAppendError):
        services.read_entries(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST, client_id=CLIENT)


def test_a_tampered_entry_is_not_shown_as_genuine(db: None) -> None:
    append(3)
    sql("UPDATE audit_entry SET entry = %s WHERE position = 1", (row(0)["entry"],))
    with pytest.raises(LogIntegrityError) as caught:
        services.read_entries(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST, client_id=CLIENT)
    assert caught.value.position == 1


def test_a_rewritten_client_index_is_caught_when_read(db: None) -> None:
    append(1, client_id="0d5e0c1e-aaaa-4bbb-8ccc-000000000000")
    sql("UPDATE audit_entry SET client_id = %s WHERE position = 0", (CLIENT,))
    # Since issue 22 the verifier checks the derived index columns against the signed entries.
    code, output = verify()
    assert code == 1 and "client_id" in output
    with pytest.raises(LogIntegrityError, match="client index"):
        services.read_entries(actor_id="user:3", purpose=PurposeOfUse.PATIENT_REQUEST, client_id=CLIENT)


def test_heads_are_published_every_n_appends(
    db: None, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CONFIDE_AUDIT_HEAD_DIR = str(tmp_path / "heads")
    settings.CONFIDE_AUDIT_PUBLISH_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        append(7)
    files = sorted(path.name for path in (tmp_path / "heads").iterdir())
    assert files == ["head-3.txt", "head-6.txt"]
    head = services.read_head_text((tmp_path / "heads" / "head-6.txt").read_text())
    assert head.size == 6 and head.root_hash == row(5)["root_hash"]
    assert list(PublishedHead.objects.values_list("size", flat=True)) == [6, 3]


def test_publish_writes_the_latest_head(db: None, tmp_path: Path) -> None:
    append(4)
    path = services.publish_head(directory=tmp_path)
    assert path == tmp_path / "head-4.txt"
    latest = services.latest_head()
    assert latest is not None and latest.is_checkpoint
    assert path.read_text() == latest.to_text()
    assert services.read_head_text(path.read_text()).message() == latest.message()


def test_several_events_are_appended_at_once(db: None) -> None:
    append(2)
    batch = [
        services.new_event("record:chart:read", actor_id="user:7", purpose="TREAT", outcome="success", client_id=c)
        for c in ("c-1", "c-2", "c-3")
    ]
    recorded = services.record_events(batch)
    assert [item.event.client_id for item in recorded] == ["c-1", "c-2", "c-3"]
    # One batch, one signed head: carried by its last row only.
    assert [row(position)["signature"] is None for position in (2, 3, 4)] == [True, True, False]
    head = services.latest_head()
    assert head is not None and head.size == 5 and head.root_hash == row(4)["root_hash"]
    assert list(LogEntry.objects.filter(position__gte=2).values_list("client_id", flat=True)) == ["c-1", "c-2", "c-3"]
    assert verify()[0] == 0
    assert services.record_events([]) == []
