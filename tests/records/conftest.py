from __future__ import annotations

import pytest

from confide.keys.vault import Vault, vault_from_password
from confide.records import services
from confide.records.models import Client
from tests.conftest import PASSWORD, Person


def vault_of(person: Person) -> Vault:
    return vault_from_password(person.user.pk, person.user.membership.practice_id, PASSWORD)


@pytest.fixture
def client_record(alice: Person, bob: Person, carol: Person, dana: Person) -> Client:
    """A client of bob's, registered by bob, in alice's practice (carol and dana exist already)."""
    return services.create_client(vault_of(bob), services.Demographics(
        given_name="Wilhelmina", family_name="Quastenbrook", date_of_birth="1987-03-14",
        email="wq@example.test", phone="+1 555 0100"))
