"""Break-glass works when it is needed: every record covered for the holders, and the gap shown and closed.

A record is covered when each current admin and clinical key is wrapped to every holder: at
creation and rotation automatically, and for records that existed before a holder was designated
with the recovery kit, without waiting for their care team to open them (issue 22).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client as Browser

from confide.accounts.models import User
from confide.keys import vault as keys
from confide.oversight import services
from confide.practice import services as practice_services
from confide.practice.models import Practice, Role
from confide.records import services as records
from confide.records.access_history import access_history
from confide.records.models import Client, Note
from tests.accounts.test_signin import sign_in
from tests.conftest import PASSWORD, Person, add_member

REASON = "Client called the crisis line; the on-call clinician needs the safety plan."


@pytest.fixture
def kit(db: None) -> practice_services.CreatedPractice:
    return practice_services.create_practice(name="Cedar", jurisdiction="US", owner_email="olga@example.test",
                                             owner_password=PASSWORD, recovery_threshold=2, recovery_shares=3)


def _vault(user_id: int, practice_id: int) -> keys.Vault:
    return keys.vault_from_password(user_id, practice_id, PASSWORD)


@dataclass(frozen=True)
class World:
    practice: Practice
    owner: User
    pia: User
    quinn: User
    client: Client
    note: Note


@pytest.fixture
def world(kit: practice_services.CreatedPractice) -> World:
    practice = kit.membership.practice
    pia = add_member(practice, "pia@example.test", Role.CLINICIAN)
    quinn = add_member(practice, "quinn@example.test", Role.CLINICIAN)
    vault = _vault(pia.pk, practice.pk)
    client = records.create_client(vault, records.Demographics(given_name="Rowan", family_name="Ashgrove"))
    note = records.create_note(vault, client.public_id, kind="progress", session_date="2026-11-20",
                               body="Safety plan: call the on-call line.", sign=True)
    return World(practice, kit.membership.user, pia, quinn, client, note)


def test_a_holder_opens_a_record_nobody_has_opened_since_after_the_backfill(
        kit: practice_services.CreatedPractice, world: World) -> None:
    practice, quinn, client, note, owner = world.practice, world.quinn, world.client, world.note, world.owner
    services.designate_holder(_vault(owner.pk, practice.pk), user_id=quinn.pk,
                              fingerprint=quinn.key_pair.fingerprint)
    # Designated after the record existed, by an owner who does not hold its clinical key.
    status = services.list_holders(practice.pk)[0]
    assert status.uncovered_records == 1 and not status.complete
    with pytest.raises(services.OversightError, match="recovery kit"):
        services.open_break_glass(_vault(quinn.pk, practice.pk), client.public_id, REASON)
    recovery = keys.vault_from_recovery(practice.pk, list(kit.recovery_kit.shares[:2]))
    assert services.complete_with_recovery(recovery) >= 1
    assert services.list_holders(practice.pk)[0].uncovered_records == 0
    # Nobody on the care team has opened the record since; the holder now can, in an emergency.
    services.open_break_glass(_vault(quinn.pk, practice.pk), client.public_id, REASON)
    holder_vault = _vault(quinn.pk, practice.pk)
    opened = records.open_note(holder_vault, client.public_id, note.public_id)
    assert opened.body == "Safety plan: call the on-call line."
    history = access_history(_vault(world.pia.pk, practice.pk), client.public_id)
    emergency = [e for e in history.entries if e.actor == f"user:{quinn.pk}"]
    assert emergency and all(e.why == "an emergency" for e in emergency)


def test_a_rotated_key_is_covered_at_once(kit: practice_services.CreatedPractice, world: World) -> None:
    practice, quinn, client, note, pia, owner = (world.practice, world.quinn, world.client, world.note, world.pia,
                                                 world.owner)
    recovery = keys.vault_from_recovery(practice.pk, list(kit.recovery_kit.shares[:2]))
    services.designate_holder(_vault(owner.pk, practice.pk), user_id=quinn.pk,
                              fingerprint=quinn.key_pair.fingerprint)
    services.complete_with_recovery(recovery)
    # A colleague joins and leaves the care team: the keys are rotated, and the new versions are
    # wrapped to the holder as they are made, with no one opening them afterwards.
    colleague = add_member(practice, "rafe@example.test", Role.CLINICIAN)
    pia_vault = _vault(pia.pk, practice.pk)
    records.grant_access(pia_vault, client.public_id, user_id=colleague.pk, role="clinician")
    records.revoke_access(_vault(pia.pk, practice.pk), client.public_id,
                          user_id=colleague.pk)
    assert services.list_holders(practice.pk)[0].uncovered_records == 0
    services.open_break_glass(_vault(quinn.pk, practice.pk), client.public_id, REASON)
    assert records.open_note(_vault(quinn.pk, practice.pk), client.public_id,
                             note.public_id).body.startswith("Safety plan")


def test_the_owner_page_shows_how_many_records_are_not_yet_covered(alice: Person, bob: Person,
                                                                   relaxed: object) -> None:
    from tests.oversight.conftest import designate

    frank = Person(add_member(alice.user.membership.practice, "frank@example.test", Role.CLINICIAN), PASSWORD)
    for name in ("One", "Two"):
        records.create_client(keys.vault_from_password(bob.user.pk, bob.user.membership.practice_id, PASSWORD),
                              records.Demographics(given_name=name, family_name="Client"))
    designate(alice, frank)
    http = Browser()
    sign_in(http, alice.email, alice.password)
    page = http.get("/practice/emergency-access/").content.decode()
    assert "2 records not yet covered" in page and "confide emergency-access complete" in page
