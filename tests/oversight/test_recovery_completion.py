"""Completing holders' emergency wraps with the recovery kit, in the service and from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from confide.keys import vault as keys
from confide.oversight import services
from confide.oversight.models import EmergencyWrap
from confide.practice import services as practice_services
from confide.practice.models import Role
from confide.records import services as records
from tests.conftest import PASSWORD, add_member
from tests.processes import base_env, confide, init_practice


@pytest.fixture
def kit(db: None) -> practice_services.CreatedPractice:
    return practice_services.create_practice(name="Cedar", jurisdiction="US", owner_email="olga@example.test",
                                             owner_password=PASSWORD, recovery_threshold=2, recovery_shares=3)


def test_the_recovery_kit_completes_what_the_owner_could_not_wrap(kit: practice_services.CreatedPractice) -> None:
    practice = kit.membership.practice
    clinician = add_member(practice, "pia@example.test", Role.CLINICIAN)
    on_call = add_member(practice, "quinn@example.test", Role.CLINICIAN)
    pia = keys.vault_from_password(clinician.pk, practice.pk, PASSWORD)
    for name in ("One", "Two"):
        records.create_client(pia, records.Demographics(given_name=name, family_name="Client"))
    olga = keys.vault_from_password(kit.membership.user_id, practice.pk, PASSWORD)
    status = services.designate_holder(olga, user_id=on_call.pk, fingerprint=on_call.key_pair.fingerprint)
    assert (status.wrapped, status.total) == (2, 4)
    recovery = keys.vault_from_recovery(practice.pk, list(kit.recovery_kit.shares[:2]))
    assert services.complete_with_recovery(recovery) == 2
    assert EmergencyWrap.objects.filter(holder=on_call).count() == 4
    assert services.complete_with_recovery(recovery) == 0


def test_the_command_needs_k_shares(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = base_env(data_dir, None)
    init_practice(data_dir, env)
    shares = sorted(str(p) for p in (tmp_path / "data-kit").glob("recovery-share-*"))
    one = confide("emergency-access", "complete", "--share-file", shares[0], env=env)
    assert one.returncode == 2 and "do not open the recovery key" in one.stderr
    two = confide("emergency-access", "complete", "--share-file", shares[0], "--share-file", shares[1], env=env)
    assert two.returncode == 0, two.stderr
    assert "Wrapped 0 client key(s)" in two.stdout
