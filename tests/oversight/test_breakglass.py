"""Break-glass: holders, emergency wraps, sessions with a stated reason, expiry and revocation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.audit.services import verify_stored_log
from confide.auditlog import decode_entry
from confide.keys import vault as keys
from confide.keys.models import ScopeKeyVersion
from confide.oversight import services
from confide.oversight.models import Alert, BreakGlassSession, EmergencyAccessHolder, EmergencyWrap
from confide.records import services as records
from confide.records.access_history import access_history
from confide.records.errors import NotFoundError
from confide.records.models import Client, Note
from tests.conftest import Person
from tests.oversight.conftest import designate
from tests.records.conftest import vault_of

Capture = Callable[..., AbstractContextManager[Any]]
REASON = "Client rang the crisis line at night; the on-call clinician needs the safety plan."


@pytest.fixture
def note(bob: Person, client_record: Client) -> Note:
    """A signed progress note by bob. Writing it opens the clinical key, which completes the holders' wraps."""
    return records.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                               body="Discussed the safety plan in detail.", sign=True)


@pytest.fixture
def holder(alice: Person, bob: Person, frank: Person, client_record: Client, note: Note) -> Person:
    """frank, designated after bob's note was written; bob reopening the note completes frank's wraps."""
    designate(alice, frank)
    records.open_note(vault_of(bob), client_record.public_id, note.public_id)
    return frank


def _events(tag: str) -> list[Any]:
    return [decode_entry(bytes(e)) for e in LogEntry.objects.filter(tag=tag).values_list("entry", flat=True)]


def test_designation_wraps_the_keys_the_owner_holds_and_the_rest_when_the_care_team_opens_them(
        alice: Person, bob: Person, frank: Person, client_record: Client) -> None:
    status = designate(alice, frank)
    assert status.total == 2 and status.wrapped == 1  # alice holds the admin key, not the clinical one
    assert EmergencyWrap.objects.filter(holder=frank.user, key_version__scope="admin").count() == 1
    records.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                        body="Catch-up.")
    assert services.list_holders(alice.user.membership.practice_id)[0].complete
    assert LogEntry.objects.filter(tag="practice:emergency_holder:designated",
                                   actor_id=f"user:{alice.user.pk}").exists()


def test_a_new_client_is_wrapped_to_holders_at_once(alice: Person, bob: Person, frank: Person) -> None:
    designate(alice, frank)
    client = records.create_client(vault_of(bob), records.Demographics(given_name="Ottilie", family_name="Marsh"))
    scopes = set(EmergencyWrap.objects.filter(holder=frank.user, key_version__client=client)
                 .values_list("key_version__scope", flat=True))
    assert scopes == {"admin", "clinical"}


def test_designation_refuses_front_desk_and_a_changed_fingerprint(alice: Person, dana: Person, frank: Person) -> None:
    with pytest.raises(services.OversightError, match="Front-desk"):
        designate(alice, dana)
    with pytest.raises(services.OversightError, match="key changed"):
        services.designate_holder(vault_of(alice), user_id=frank.user.pk, fingerprint="0" * 64)
    assert not EmergencyAccessHolder.objects.exists()


def test_only_the_owner_designates(alice: Person, bob: Person, frank: Person) -> None:
    with pytest.raises(services.OversightError, match="owner"):
        designate(bob, frank)
    assert not EmergencyAccessHolder.objects.exists()


def test_a_holder_without_a_session_reads_nothing(alice: Person, frank: Person, client_record: Client,
                                                  note: Note) -> None:
    designate(alice, frank)
    vault = vault_of(frank)
    with pytest.raises(NotFoundError):
        records.get_client(vault, client_record.public_id)
    with pytest.raises(NotFoundError):
        records.open_note(vault, client_record.public_id, note.public_id)
    assert not vault.holds(client_record.pk, "clinical")


def test_a_holder_opens_with_a_reason_reads_the_chart_and_everything_is_on_the_record(
        alice: Person, bob: Person, holder: Person, client_record: Client, note: Note,
        django_capture_on_commit_callbacks: Capture) -> None:
    frank = holder
    with django_capture_on_commit_callbacks(execute=True):
        session = services.open_break_glass(vault_of(frank), client_record.public_id, REASON)
    vault = vault_of(frank)
    opened_note = records.open_note(vault, client_record.public_id, note.public_id)
    assert opened_note.body == "Discussed the safety plan in detail."
    _, demographics = records.get_client(vault, client_record.public_id)
    assert demographics.family_name == "Quastenbrook"

    opened = _events("access:breakglass:opened")
    assert len(opened) == 1 and opened[0].actor_id == f"user:{frank.user.pk}"
    assert opened[0].purpose == "ETREAT" and opened[0].client_id == str(client_record.public_id)
    reads = [e for e in _events("record:note:read") if e.actor_id == f"user:{frank.user.pk}"]
    assert reads and all(e.purpose == "ETREAT" for e in reads)

    # The reason is sealed, and the owner can read it (which is logged).
    assert REASON.encode() not in bytes(BreakGlassSession.objects.get().reason)
    assert services.read_reason(vault_of(alice), session) == REASON
    assert LogEntry.objects.filter(tag="access:breakglass:reviewed", actor_id=f"user:{alice.user.pk}").exists()

    # The owner is alerted at once: an alert and an e-mail with no client data.
    alert = Alert.objects.get(kind=Alert.Kind.BREAK_GLASS)
    assert alert.subject_id == frank.user.pk and alert.session_id == session.pk
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [alice.email]
    body = mail.outbox[0].subject + mail.outbox[0].body
    assert "emergency access" in body.lower()
    for secret in ("Wilhelmina", "Quastenbrook", str(client_record.public_id), "crisis", "safety"):
        assert secret not in body

    # The client sees it, in plain words.
    history = access_history(vault_of(bob), client_record.public_id)
    entry = next(e for e in history.entries if e.tag == "access:breakglass:opened")
    assert "emergency" in entry.what and entry.why == "an emergency" and "frank" in entry.who
    verify_stored_log()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "bad\x00reason", None])
def test_without_a_proper_reason_nothing_is_opened(alice: Person, frank: Person, client_record: Client,
                                                   note: Note, reason: object) -> None:
    designate(alice, frank)
    with pytest.raises(services.OversightError):
        services.open_break_glass(vault_of(frank), client_record.public_id, reason)
    assert not BreakGlassSession.objects.exists() and not Alert.objects.exists()
    assert not LogEntry.objects.filter(tag="access:breakglass:opened").exists()
    with pytest.raises(NotFoundError):
        records.get_client(vault_of(frank), client_record.public_id)


def test_a_non_holder_is_refused_and_the_attempt_is_logged(alice: Person, carol: Person, dana: Person,
                                                           client_record: Client, note: Note) -> None:
    for person in (carol, dana, alice):
        with pytest.raises(services.NotAHolderError):
            services.open_break_glass(vault_of(person), client_record.public_id, REASON)
    denied = _events("access:breakglass:denied")
    assert {e.actor_id for e in denied} == {f"user:{p.user.pk}" for p in (carol, dana, alice)}
    assert all(e.outcome == "failure" and e.client_id == str(client_record.public_id) for e in denied)
    assert not BreakGlassSession.objects.exists()


def test_an_unknown_client_is_not_found(alice: Person, frank: Person, charlie: Person) -> None:
    designate(alice, frank)
    with pytest.raises(NotFoundError):
        services.open_break_glass(vault_of(frank), "00000000-0000-0000-0000-000000000000", REASON)
    with pytest.raises(NotFoundError):
        services.open_break_glass(vault_of(frank), "not-a-uuid", REASON)


def test_a_care_team_member_is_sent_to_the_chart(alice: Person, bob: Person, client_record: Client) -> None:
    designate(alice, bob)
    with pytest.raises(services.OversightError, match="care team"):
        services.open_break_glass(vault_of(bob), client_record.public_id, REASON)


def test_expiry_ends_the_access(alice: Person, holder: Person, client_record: Client, note: Note) -> None:
    frank = holder
    services.open_break_glass(vault_of(frank), client_record.public_id, REASON)
    records.get_client(vault_of(frank), client_record.public_id)
    BreakGlassSession.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(NotFoundError):
        records.get_client(vault_of(frank), client_record.public_id)
    with pytest.raises(NotFoundError):
        records.open_note(vault_of(frank), client_record.public_id, note.public_id)


def test_ending_early_ends_the_access(alice: Person, holder: Person, client_record: Client, note: Note) -> None:
    frank = holder
    session = services.open_break_glass(vault_of(frank), client_record.public_id, REASON)
    services.end_break_glass(vault_of(frank), session.public_id)
    with pytest.raises(NotFoundError):
        records.get_client(vault_of(frank), client_record.public_id)
    assert LogEntry.objects.filter(tag="access:breakglass:ended").exists()


def test_the_session_lasts_as_long_as_the_setting_says(alice: Person, holder: Person, client_record: Client,
                                                       note: Note, settings: Any) -> None:
    settings.CONFIDE_BREAKGLASS_MINUTES = 15
    frank = holder
    session = services.open_break_glass(vault_of(frank), client_record.public_id, REASON)
    assert dt.timedelta(minutes=14) < session.expires_at - session.opened_at <= dt.timedelta(minutes=15)


def test_a_revoked_holder_loses_their_wraps_and_the_keys_rotate(alice: Person, bob: Person, holder: Person,
                                                                client_record: Client, note: Note) -> None:
    frank = holder
    services.open_break_glass(vault_of(frank), client_record.public_id, REASON)
    before = keys.current_version(client_record.pk, "clinical")
    assert before is not None
    rotated = services.revoke_holder(alice.user, user_id=frank.user.pk)
    assert rotated == 2
    assert not EmergencyWrap.objects.filter(holder=frank.user).exists()
    after = keys.current_version(client_record.pk, "clinical")
    assert after is not None and after.pk != before.pk
    assert ScopeKeyVersion.objects.get(pk=before.pk).retired_at is not None
    with pytest.raises(NotFoundError):
        records.get_client(vault_of(frank), client_record.public_id)
    # The care team keeps working with the rotated key, which frank never receives.
    records.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-21",
                        body="After the rotation.")
    assert not EmergencyWrap.objects.filter(holder=frank.user).exists()
    assert records.open_note(vault_of(bob), client_record.public_id, note.public_id).body
    assert LogEntry.objects.filter(tag="practice:emergency_holder:revoked").exists()


def test_an_owner_holder_opens_a_record_outside_their_care_teams(alice: Person, bob: Person, client_record: Client,
                                                                 note: Note) -> None:
    designate(alice, alice)
    records.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-21",
                        body="Opens the key again.")
    with pytest.raises(NotFoundError):
        records.open_note(vault_of(alice), client_record.public_id, note.public_id)
    services.open_break_glass(vault_of(alice), client_record.public_id, REASON)
    assert records.open_note(vault_of(alice), client_record.public_id, note.public_id).body


def test_a_holder_finds_clients_outside_their_care_teams_by_name(alice: Person, bob: Person, frank: Person,
                                                                 client_record: Client) -> None:
    designate(alice, frank)
    found = services.search_for_emergency(vault_of(frank), "quasten")
    assert [c.client.pk for c in found] == [client_record.pk]
    assert services.search_for_emergency(vault_of(frank), "nobody-by-that-name") == []
    with pytest.raises(services.OversightError):
        services.search_for_emergency(vault_of(frank), "q")
    with pytest.raises(services.NotAHolderError):
        services.search_for_emergency(vault_of(bob), "quasten")
    searched = _events("access:breakglass:searched")
    assert len(searched) == 2 and all(e.client_id is None for e in searched)
