"""Verified destruction: two people (or one, after a wait), crypto-shredding, a tombstone and a certificate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from confide.accounts.models import User
from confide.demo import seed_demo_practice
from confide.keys import vault as keys
from confide.keys.models import KeyWrap, ScopeKeyVersion
from confide.lifecycle import services as lifecycle
from confide.lifecycle.models import DestructionRequest, Tombstone
from confide.portal.models import ClientAccount
from confide.practice import services as practice_services
from confide.records import services as records
from confide.records.errors import NotFoundError
from confide.records.models import Client, Document, Note
from confide.records.sealing import client_in_vault
from tests.conftest import PASSWORD, Person
from tests.records.conftest import vault_of

LONG_AGO = timezone.localdate() - dt.timedelta(days=365 * 12)


def _discharged_client(clinician: Person, *, born: str = "1960-05-01") -> Client:
    client = records.create_client(vault_of(clinician), records.Demographics(
        given_name="Ottoline", family_name="Brackwater", date_of_birth=born))
    lifecycle.discharge(vault_of(clinician), client.public_id, last_contact=LONG_AGO)
    return client


def test_the_retention_date_follows_the_pack_rule_and_shows_its_citation(alice: Person, bob: Person) -> None:
    client = _discharged_client(bob)
    view = lifecycle.retention_for(vault_of(bob), client)
    assert view.rule is not None and view.rule.citation == "Cal. Bus. & Prof. Code 2919"
    assert view.rule_until == LONG_AGO.replace(year=LONG_AGO.year + 7)
    assert view.kept_until == view.rule_until


def test_a_minor_is_kept_until_the_birthday_the_pack_sets(alice: Person, bob: Person) -> None:
    born = LONG_AGO.replace(year=LONG_AGO.year - 10)
    client = _discharged_client(bob, born=born.isoformat())
    view = lifecycle.retention_for(vault_of(bob), client)
    assert view.kept_until == born.replace(year=born.year + 25)


def test_keeping_shorter_than_the_pack_needs_the_owners_reason(alice: Person, bob: Person) -> None:
    client = _discharged_client(bob)
    sooner = LONG_AGO + dt.timedelta(days=30)
    with pytest.raises(lifecycle.LifecycleError, match="reason"):
        lifecycle.set_override(vault_of(alice), client.public_id, until=sooner, reason="")
    with pytest.raises(NotFoundError):
        lifecycle.set_override(vault_of(bob), client.public_id, until=sooner, reason="because I want to")
    row = lifecycle.set_override(vault_of(alice), client.public_id, until=sooner,
                                 reason="Court-approved settlement ends the retention duty")
    assert lifecycle.override_reason(vault_of(alice), client, row).startswith("Court-approved")
    assert lifecycle.retention_for(vault_of(alice), client).kept_until == sooner


def test_destruction_needs_the_owner_and_a_second_person(alice: Person, bob: Person) -> None:
    client = _discharged_client(bob)
    with pytest.raises(NotFoundError):
        lifecycle.approve_destruction(vault_of(bob), client.public_id)
    request = lifecycle.approve_destruction(vault_of(alice), client.public_id)
    assert request.confirm_after is None
    with pytest.raises(lifecycle.LifecycleError, match="second person"):
        lifecycle.confirm_destruction(vault_of(alice), request.public_id)
    tombstone = lifecycle.confirm_destruction(vault_of(bob), request.public_id)
    assert not Client.objects.filter(public_id=client.public_id).exists()
    assert lifecycle.verify_certificate(tombstone) == tombstone.audit_position
    assert f'"approved_by":{{"actor":"user:{alice.user.pk}"' in tombstone.certificate


def test_a_record_not_yet_due_cannot_be_approved(alice: Person, bob: Person) -> None:
    client = records.create_client(vault_of(bob), records.Demographics(given_name="A", family_name="B"))
    lifecycle.discharge(vault_of(bob), client.public_id, last_contact=timezone.localdate())
    with pytest.raises(lifecycle.LifecycleError, match="kept until"):
        lifecycle.approve_destruction(vault_of(alice), client.public_id)


def test_a_solo_practitioner_confirms_again_after_the_waiting_period(db: None) -> None:
    created = practice_services.create_practice(name="Solo", jurisdiction="US-CA", owner_email="solo@example.test",
                                                owner_password=PASSWORD, owner_name="", owner_is_clinician=True)
    solo = Person(created.membership.user, PASSWORD)
    client = _discharged_client(solo)
    request = lifecycle.approve_destruction(vault_of(solo), client.public_id)
    assert request.confirm_after is not None
    assert request.confirm_after - request.approved_at >= dt.timedelta(days=14)
    with pytest.raises(lifecycle.LifecycleError, match="Confirm again after"):
        lifecycle.confirm_destruction(vault_of(solo), request.public_id)
    later = timezone.now() + dt.timedelta(days=15)
    tombstone = lifecycle.confirm_destruction(vault_of(solo), request.public_id, now=later)
    assert lifecycle.verify_certificate(tombstone) >= 0


def test_a_held_record_cannot_be_destroyed(alice: Person, bob: Person) -> None:
    client = _discharged_client(bob)
    request = lifecycle.approve_destruction(vault_of(alice), client.public_id)
    with pytest.raises(NotFoundError):
        lifecycle.place_hold(vault_of(bob), client.public_id, kind="subpoena", reason="Subpoena no. 12 of 2026")
    hold = lifecycle.place_hold(vault_of(alice), client.public_id, kind="subpoena", reason="Subpoena no. 12 of 2026")
    assert not DestructionRequest.objects.filter(pk=request.pk).exists()
    with pytest.raises(NotFoundError):
        lifecycle.confirm_destruction(vault_of(bob), request.public_id)
    with pytest.raises(lifecycle.LifecycleError, match="legal hold"):
        lifecycle.approve_destruction(vault_of(alice), client.public_id)
    with pytest.raises(lifecycle.LifecycleError, match="legal hold"):
        lifecycle.destroy_record(client, reason="x", rule=None, last_contact=None, kept_until=None, people={},
                                 actor_id="user:1")
    assert lifecycle.retention_for(vault_of(bob), client).held
    assert lifecycle.hold_reason(vault_of(bob), client, hold) == "Subpoena no. 12 of 2026"
    lifecycle.lift_hold(vault_of(alice), client.public_id, hold.public_id)
    assert lifecycle.approve_destruction(vault_of(alice), client.public_id)


def test_bad_hold_input_is_refused(alice: Person, bob: Person) -> None:
    client = _discharged_client(bob)
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.place_hold(vault_of(alice), client.public_id, kind="whim", reason="A long enough reason")
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.place_hold(vault_of(alice), client.public_id, kind="litigation", reason="short")
    with pytest.raises(NotFoundError):
        lifecycle.lift_hold(vault_of(alice), client.public_id, "not-a-uuid")


def test_the_recovery_kit_cannot_open_a_destroyed_record(db: None) -> None:
    created = practice_services.create_practice(name="Kit", jurisdiction="US-CA", owner_email="kit@example.test",
                                                owner_password=PASSWORD, owner_name="", recovery_threshold=2,
                                                recovery_shares=3, owner_is_clinician=True)
    owner = Person(created.membership.user, PASSWORD)
    client = _discharged_client(owner)
    recovery = keys.vault_from_recovery(created.membership.practice_id, list(created.recovery_kit.shares[:2]))
    assert records.open_demographics(recovery, client).family_name == "Brackwater"
    lifecycle.destroy_record(client, reason="test", rule=None, last_contact=LONG_AGO, kept_until=None, people={},
                             actor_id="user:1")
    recovery = keys.vault_from_recovery(created.membership.practice_id, list(created.recovery_kit.shares[:2]))
    with pytest.raises(NotFoundError):
        client_in_vault(recovery, client.public_id)
    assert not KeyWrap.objects.filter(recipient__isnull=True, key_version__client_id=client.pk).exists()


def _blobs_of(client: Client) -> set[bytes]:
    """Every ciphertext and wrap of the client, as stored: what must be gone after destruction."""
    found: set[bytes] = set()
    for model in apps.get_models():
        if model._meta.app_label in ("audit", "lifecycle"):
            continue
        client_fields = [f.name for f in model._meta.fields if f.is_relation and f.related_model is Client]
        if model is Client:
            rows = model.objects.filter(pk=client.pk)
        elif client_fields:
            rows = model.objects.filter(**{client_fields[0]: client})
        elif model is KeyWrap:
            rows = model.objects.filter(key_version__client=client)
        else:
            continue
        for row in rows:
            for f in model._meta.fields:
                value = getattr(row, f.attname)
                if isinstance(value, bytes | memoryview) and len(bytes(value)) >= 16:
                    found.add(bytes(value))
    return found


def _every_stored_value() -> list[tuple[str, Any]]:
    values = []
    for model in apps.get_models():
        for row in model.objects.all():
            for f in model._meta.fields:
                values.append((f"{model._meta.label}.{f.name}", getattr(row, f.attname)))
    return values


def test_after_destruction_nothing_of_the_client_remains_in_any_table_or_the_file_store(
        db: None, settings: Any) -> None:
    seed_demo_practice()
    account = ClientAccount.objects.select_related("client").get(client__practice__name__startswith="Quiet Harbour")
    client = account.client
    documents = list(Document.objects.filter(client=client).values_list("storage_name", flat=True))
    store = Path(settings.FILE_STORE_DIR)
    assert documents and all((store / name).exists() for name in documents)
    assert Note.objects.filter(client=client, kind="psychotherapy").exists()
    assert Note.objects.filter(client=client, kind="progress").exists()
    blobs = _blobs_of(client)
    key_ids = set(ScopeKeyVersion.objects.filter(client=client).values_list("key_id", flat=True))
    assert len(blobs) > 10 and key_ids
    portal_user = account.user_id

    with django_capture_on_commit():
        tombstone = lifecycle.destroy_record(client, reason="test", rule=None, last_contact=LONG_AGO,
                                             kept_until=None, people={}, actor_id="user:1")

    assert not User.objects.filter(pk=portal_user).exists()
    assert not any((store / name).exists() for name in documents)
    opaque = str(client.public_id)
    for where, value in _every_stored_value():
        if isinstance(value, bytes | memoryview):
            raw = bytes(value)
            assert raw not in blobs, where
            assert not any(key_id.encode() in raw for key_id in key_ids), where
        elif isinstance(value, str) and opaque in value:
            # Only the tombstone and the audit log keep the opaque id; nothing else names the client.
            assert where.startswith(("lifecycle.Tombstone", "audit.")), where
        elif isinstance(value, str):
            assert value not in key_ids, where
    assert Tombstone.objects.get(client_public_id=client.public_id) == tombstone
    assert lifecycle.verify_certificate(tombstone) == tombstone.audit_position


def django_capture_on_commit() -> Any:
    """Run on-commit callbacks (file deletion, the journal) inside the test's transaction."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_a_changed_certificate_no_longer_verifies(alice: Person, bob: Person) -> None:
    client = _discharged_client(bob)
    tombstone = lifecycle.destroy_record(client, reason="test", rule=None, last_contact=LONG_AGO, kept_until=None,
                                         people={}, actor_id="user:1")
    tombstone.certificate = tombstone.certificate.replace('"reason":"test"', '"reason":"other"')
    with pytest.raises(lifecycle.LifecycleError, match="changed"):
        lifecycle.verify_certificate(tombstone)


def test_destruction_is_journaled_for_restores(alice: Person, bob: Person, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    journal = tmp_path / "journal.jsonl"
    monkeypatch.setenv("CONFIDE_DESTRUCTION_JOURNAL_FILE", str(journal))
    client = _discharged_client(bob)
    with django_capture_on_commit():
        lifecycle.destroy_record(client, reason="test", rule=None, last_contact=LONG_AGO, kept_until=None,
                                 people={}, actor_id="user:1")
    entries = lifecycle.read_journal([journal])
    assert [entry["client"] for entry in entries] == [str(client.public_id)]
    journal.write_text("not json\n", encoding="ascii")
    with pytest.raises(lifecycle.LifecycleError, match="Line 1"):
        lifecycle.read_journal([journal])
    assert settings.FILE_STORE_DIR
