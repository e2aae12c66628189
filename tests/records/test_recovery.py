"""The recovery kit in use: k shares reassign a departed clinician's clients; k-1 do nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from confide import crypto
from confide.keys import vault as keys
from confide.keys.models import KeyWrap
from confide.practice import services as practice_services
from confide.records import recovery, services
from tests.conftest import PASSWORD, add_member
from tests.processes import OWNER_PASSWORD, base_env, confide, init_practice


@pytest.fixture
def kit(db: None) -> practice_services.CreatedPractice:
    return practice_services.create_practice(name="Cedar", jurisdiction="US", owner_email="olga@example.test",
                                             owner_password=PASSWORD, recovery_threshold=2, recovery_shares=3)


def test_k_shares_reassign_a_departed_clinicians_clients(kit: practice_services.CreatedPractice) -> None:
    practice = kit.membership.practice
    leaving = add_member(practice, "leaving@example.test", "clinician")
    staying = add_member(practice, "staying@example.test", "clinician")
    leaving_vault = keys.vault_from_password(leaving.pk, practice.pk, PASSWORD)
    client = services.create_client(leaving_vault, services.Demographics(given_name="Ida", family_name="Marsh"))
    note = services.create_note(leaving_vault, client.public_id, kind="progress", session_date="2026-11-02",
                                body="Intake.", sign=True)

    with pytest.raises(crypto.RecoveryError):
        keys.vault_from_recovery(practice.pk, list(kit.recovery_kit.shares[:1]))
    recovery_vault = keys.vault_from_recovery(practice.pk, [kit.recovery_kit.shares[2], kit.recovery_kit.shares[0]])
    assert recovery.reassign_clients(recovery_vault, from_email="leaving@example.test",
                                     to_email="staying@example.test") == 1

    staying_vault = keys.vault_from_password(staying.pk, practice.pk, PASSWORD)
    assert services.open_note(staying_vault, client.public_id, note.public_id).body == "Intake."
    assert not KeyWrap.objects.filter(recipient=leaving, key_version__scope="clinical").exists()
    with pytest.raises(services.NotFoundError):
        services.list_notes(keys.vault_from_password(leaving.pk, practice.pk, PASSWORD), client.public_id)


def test_reassigning_to_someone_outside_the_practice_is_refused(kit: practice_services.CreatedPractice) -> None:
    vault = keys.vault_from_recovery(kit.membership.practice_id, list(kit.recovery_kit.shares[:2]))
    with pytest.raises(services.RecordError):
        recovery.reassign_clients(vault, from_email="olga@example.test", to_email="stranger@example.test")


def test_a_forgotten_password_is_reset_with_the_kit_and_nothing_is_lost(kit: practice_services.CreatedPractice) -> None:
    practice = kit.membership.practice
    bea = add_member(practice, "bea@example.test", "clinician")
    bea_vault = keys.vault_from_password(bea.pk, practice.pk, PASSWORD)
    client = services.create_client(bea_vault, services.Demographics(given_name="Noor", family_name="Hale"))
    services.create_note(bea_vault, client.public_id, kind="psychotherapy", session_date="2026-11-02",
                         body="Process note.")
    old_fingerprint = bea.key_pair.fingerprint
    vault = keys.vault_from_recovery(practice.pk, list(kit.recovery_kit.shares[1:]))
    renewed = recovery.reset_forgotten_password(vault, email="bea@example.test",
                                                new_password="brand new lantern passphrase")
    assert renewed >= 3
    bea.refresh_from_db()
    bea.key_pair.refresh_from_db()
    assert bea.key_pair.fingerprint != old_fingerprint
    assert bea.check_password("brand new lantern passphrase")
    fresh = keys.vault_from_password(bea.pk, practice.pk, "brand new lantern passphrase")
    notes = services.list_notes(fresh, client.public_id, kind="psychotherapy")
    assert services.open_note(fresh, client.public_id, notes[0].public_id).body == "Process note."
    with pytest.raises(crypto.WrongPasswordError):
        keys.vault_from_password(bea.pk, practice.pk, PASSWORD)


def test_the_recovery_command_resets_a_password_with_k_share_files(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = base_env(data_dir, None)
    init_practice(data_dir, env)
    kit_dir = tmp_path / "data-kit"
    shares = sorted(str(p) for p in kit_dir.glob("recovery-share-*"))
    new_password = tmp_path / "new-password"
    new_password.write_text("a fresh harbour passphrase\n", encoding="utf-8")
    args = ["recovery", "reset-password", "--email", "alice@example.test", "--password-file", str(new_password)]

    one = confide(*args, "--share-file", shares[0], env=env)
    assert one.returncode == 2 and "do not open the recovery key" in one.stderr

    two = confide(*args, "--share-file", shares[0], "--share-file", shares[2], env=env)
    assert two.returncode == 0, two.stderr
    token = confide("token", "create", "--email", "alice@example.test", "--password-file", str(new_password),
                    "--name", "after-recovery", env=env)
    assert token.returncode == 0 and token.stdout.strip().splitlines()[-1].startswith("cfd_")
    old = tmp_path / "old-password"
    old.write_text(OWNER_PASSWORD, encoding="utf-8")
    assert confide("token", "create", "--email", "alice@example.test", "--password-file", str(old), "--name", "x",
                   env=env).returncode == 2
