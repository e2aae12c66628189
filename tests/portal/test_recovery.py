"""The portal scope survives a departed clinician: the recovery kit hands it to the new clinician."""

from __future__ import annotations

import pytest

from confide.keys import vault as keys
from confide.portal import services
from confide.practice import services as practice_services
from confide.records import recovery
from confide.records import services as records
from tests.conftest import PASSWORD, add_member
from tests.portal.conftest import CLIENT_PASSWORD, ChangeableConsent


@pytest.fixture
def kit(db: None) -> practice_services.CreatedPractice:
    return practice_services.create_practice(name="Cedar", jurisdiction="US", owner_email="olga@example.test",
                                             owner_password=PASSWORD, recovery_threshold=2, recovery_shares=3)


def test_reassignment_moves_the_portal_key_and_the_client_keeps_it(kit: practice_services.CreatedPractice,
                                                                   consent: ChangeableConsent) -> None:
    practice = kit.membership.practice
    leaving = add_member(practice, "leaving@example.test", "clinician")
    staying = add_member(practice, "staying@example.test", "clinician")
    leaving_vault = keys.vault_from_password(leaving.pk, practice.pk, PASSWORD)
    client = records.create_client(leaving_vault, records.Demographics(given_name="Ida", family_name="Marsh"))
    issued = services.invite_client(leaving_vault, client.public_id, email="ida@example.test")
    account = services.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                                email="ida@example.test", password=CLIENT_PASSWORD)
    client_vault = services.client_vault(account, CLIENT_PASSWORD)
    services.submit_checkin(client_vault, account, {"comfort": 4, "informed": 4, "trust": 4, "comment": "Fine."})

    recovery_vault = keys.vault_from_recovery(practice.pk, list(kit.recovery_kit.shares[:2]))
    assert recovery.reassign_clients(recovery_vault, from_email="leaving@example.test",
                                     to_email="staying@example.test") == 1
    staying_vault = keys.vault_from_password(staying.pk, practice.pk, PASSWORD)
    [checkin] = services.checkin_trend(staying_vault, client.public_id)
    assert checkin.answers.comment == "Fine."
    assert not keys.vault_from_password(leaving.pk, practice.pk, PASSWORD).holds(client.pk, "portal")
    fresh = services.client_vault(account, CLIENT_PASSWORD)
    assert fresh.holds(client.pk, "portal"), "the rotated portal key still reaches the client"
    services.submit_checkin(fresh, account, {"comfort": 5, "informed": 5, "trust": 5})
    assert len(services.checkin_trend(staying_vault, client.public_id)) == 2
