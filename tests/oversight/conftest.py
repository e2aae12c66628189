from __future__ import annotations

import pytest

from confide.oversight import services
from confide.practice.models import Practice, Role
from tests.conftest import PASSWORD, Person, add_member
from tests.records.conftest import client_record, vault_of

__all__ = ["client_record", "designate", "frank"]


@pytest.fixture
def frank(practice: Practice) -> Person:
    """A clinician of alice's practice who is on nobody's care team: the on-call emergency-access holder."""
    return Person(add_member(practice, "frank@example.test", Role.CLINICIAN), PASSWORD)


def designate(owner: Person, person: Person) -> services.HolderStatus:
    return services.designate_holder(vault_of(owner), user_id=person.user.pk,
                                     fingerprint=person.user.key_pair.fingerprint)
