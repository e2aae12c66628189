"""The client record through its services: sealing, need-to-know by keys, notes and care teams."""

from __future__ import annotations

import datetime as dt

import pytest

from confide import crypto
from confide.keys import vault as keys
from confide.keys.models import KeyWrap
from confide.records import services
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError, StaleVersionError
from confide.records.models import Client, Note
from tests.conftest import Person, add_member
from tests.records.conftest import vault_of


def test_a_clinician_registers_a_client_and_reads_it_back(bob: Person, client_record: Client) -> None:
    client, demographics = services.get_client(vault_of(bob), client_record.public_id)
    assert demographics.display_name == "Wilhelmina Quastenbrook"
    assert b"Quastenbrook" not in bytes(client.demographics)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("given_name", "", "Given name is required"),
    ("family_name", " ", "Family name is required"),
    ("date_of_birth", "14/03/1987", "Date of birth"),
    ("date_of_birth", "2999-01-01", "real date in the past"),
    ("email", "nope", "E-mail address"),
    ("phone", "call me maybe", "Phone number"),
    ("given_name", "x" * 101, "longer than"),
    ("family_name", "a\x00b", "control characters"),
])
def test_bad_demographics_are_refused_and_nothing_is_written(bob: Person, field: str, value: str,
                                                              message: str) -> None:
    values = {"given_name": "Ada", "family_name": "Brook"} | {field: value}
    with pytest.raises(RecordError, match=message):
        services.create_client(vault_of(bob), services.Demographics(**values))
    assert not Client.objects.exists()


def test_the_front_desk_sees_demographics_but_no_clinical_content(dana: Person, bob: Person,
                                                                   client_record: Client) -> None:
    services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                         body="Discussed sleep.", sign=True)
    front = vault_of(dana)
    assert services.get_client(front, client_record.public_id)[1].family_name == "Quastenbrook"
    with pytest.raises(NotFoundError):
        services.list_notes(front, client_record.public_id)
    with pytest.raises(RecordError):
        services.grant_access(vault_of(bob), client_record.public_id, user_id=dana.user.pk, role="front_desk",
                              clinical=True)


def test_a_clinician_off_the_team_gets_not_found(practice, client_record: Client) -> None:  # type: ignore[no-untyped-def]
    erin = add_member(practice, "erin@example.test", "clinician")
    erin_vault = keys.vault_from_password(erin.pk, practice.pk, "correct horse battery staple lantern")
    with pytest.raises(NotFoundError):
        services.get_client(erin_vault, client_record.public_id)
    assert services.caseload(erin_vault) == []


def test_without_a_wrap_the_key_cannot_be_opened_even_if_the_rules_are_bypassed(
        practice, bob: Person, client_record: Client) -> None:  # type: ignore[no-untyped-def]
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                                body="Private words.", sign=True)
    erin = add_member(practice, "erin@example.test", "clinician")
    erin_vault = keys.vault_from_password(erin.pk, practice.pk, "correct horse battery staple lantern")
    with pytest.raises(keys.NoKeyError):
        erin_vault.key_for_blob(bytes(note.body))
    # Even handed bob's wrap (a view bug that fetched the wrong row), erin's key cannot open it.
    wrap = KeyWrap.objects.filter(recipient=bob.user, key_version__scope="clinical").first()
    assert wrap is not None
    with pytest.raises(crypto.CryptoError):
        crypto.unwrap_key(erin_vault.private_key, bytes(wrap.blob),
                          keys.wrap_context(wrap.key_version, practice.pk, bob.user.pk))


def test_psychotherapy_notes_are_only_for_their_author(bob: Person, carol: Person, client_record: Client) -> None:
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    note = services.create_note(vault_of(bob), client_record.public_id, kind="psychotherapy",
                                session_date="2026-11-20", body="My hunch about the father.")
    assert services.open_note(vault_of(bob), client_record.public_id, note.public_id).body.startswith("My hunch")
    with pytest.raises(NotFoundError):
        services.open_note(vault_of(carol), client_record.public_id, note.public_id)
    assert services.list_notes(vault_of(carol), client_record.public_id) == []


def test_a_supervisor_sees_only_what_is_granted(bob: Person, carol: Person, client_record: Client) -> None:
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                                body="Session three.", sign=True)
    with pytest.raises(NotFoundError):
        services.open_note(vault_of(carol), client_record.public_id, note.public_id)
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    assert services.open_note(vault_of(carol), client_record.public_id, note.public_id).body == "Session three."


def test_revoking_deletes_wraps_and_rotates_keys(bob: Person, carol: Person, client_record: Client) -> None:
    bob_vault = vault_of(bob)
    services.grant_access(bob_vault, client_record.public_id, user_id=carol.user.pk, role="supervisor")
    before = keys.current_version(client_record.pk, "clinical")
    services.revoke_access(bob_vault, client_record.public_id, user_id=carol.user.pk)
    after = keys.current_version(client_record.pk, "clinical")
    assert before is not None and after is not None and before.key_id != after.key_id
    assert not KeyWrap.objects.filter(recipient=carol.user, key_version__client=client_record).exists()
    with pytest.raises(NotFoundError):
        services.list_notes(vault_of(carol), client_record.public_id)
    later = services.create_note(vault_of(bob), client_record.public_id, kind="progress",
                                 session_date="2026-11-21", body="After rotation.", sign=True)
    assert crypto.sealed_key_id(bytes(later.body)).hex() == after.key_id
    assert services.open_note(vault_of(bob), client_record.public_id, later.public_id).body == "After rotation."


def test_drafts_check_their_version_so_concurrent_edits_lose_nothing(bob: Person, client_record: Client) -> None:
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                                body="First words.")
    services.save_draft(vault_of(bob), client_record.public_id, note.public_id, body="Tab one.", expected_version=1)
    with pytest.raises(StaleVersionError):
        services.save_draft(vault_of(bob), client_record.public_id, note.public_id, body="Tab two.",
                            expected_version=1)
    assert services.open_note(vault_of(bob), client_record.public_id, note.public_id).body == "Tab one."


def test_a_signed_note_is_locked_and_takes_addenda(bob: Person, client_record: Client) -> None:
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                                body="Original.")
    services.sign_note(vault_of(bob), client_record.public_id, note.public_id, expected_version=1)
    with pytest.raises(RecordError, match="locked"):
        services.save_draft(vault_of(bob), client_record.public_id, note.public_id, body="Changed.",
                            expected_version=1)
    services.add_addendum(vault_of(bob), client_record.public_id, note.public_id, body="Correction: 50 minutes.")
    opened = services.open_note(vault_of(bob), client_record.public_id, note.public_id)
    assert opened.body == "Original." and [text for _, text in opened.addenda] == ["Correction: 50 minutes."]


def test_a_ciphertext_moved_to_another_row_fails_with_an_integrity_error(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    first = services.create_note(vault, client_record.public_id, kind="progress", session_date="2026-11-20",
                                 body="First.", sign=True)
    second = services.create_note(vault, client_record.public_id, kind="progress", session_date="2026-11-21",
                                  body="Second.", sign=True)
    Note.objects.filter(pk=second.pk).update(body=bytes(first.body))
    with pytest.raises(RecordIntegrityError):
        services.open_note(vault_of(bob), client_record.public_id, second.public_id)


def test_bad_note_input_is_refused(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    for kwargs, message in [({"kind": "diary"}, "kind"), ({"session_date": "yesterday"}, "session date"),
                            ({"session_date": (dt.date.today() + dt.timedelta(days=9)).isoformat()}, "future"),
                            ({"body": "x" * 100_001}, "longer")]:
        args = {"kind": "progress", "session_date": "2026-11-20", "body": "ok"} | kwargs
        with pytest.raises(RecordError, match=message):
            services.create_note(vault, client_record.public_id, **args)  # type: ignore[arg-type]
    assert not Note.objects.exists()


def test_caseload_search_decrypts_then_matches(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    services.create_client(vault, services.Demographics(given_name="Oskar", family_name="Lindqvist"))
    assert [e.demographics.family_name for e in services.caseload(vault)] == ["Lindqvist", "Quastenbrook"]
    assert [e.demographics.family_name for e in services.caseload(vault, "wilhel")] == ["Quastenbrook"]
    assert services.caseload(vault, "nobody") == []
