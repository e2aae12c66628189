"""The fictional demo practice that `confide demo` serves.

Every name here is invented. Passwords are generated per run and printed once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from confide.accounts.models import User
from confide.keys import services as keys
from confide.practice import services
from confide.practice.models import Membership, Role

_WORDS = (
    "harbour",
    "lantern",
    "meadow",
    "cedar",
    "pebble",
    "orchard",
    "willow",
    "compass",
    "quiet",
    "river",
    "maple",
    "ember",
    "saffron",
    "tundra",
    "violet",
    "garnet",
    "juniper",
    "sparrow",
)


@dataclass(frozen=True)
class DemoPerson:
    role: str
    email: str
    password: str


def _passphrase() -> str:
    return "-".join(secrets.choice(_WORDS) for _ in range(4)) + f"-{secrets.randbelow(90) + 10}"


@transaction.atomic
def seed_demo_practice() -> list[DemoPerson]:
    """Create the demo practice with an owner, a clinician, a supervisor and a front-desk person."""
    people = [
        DemoPerson("owner", "owner@demo.confide.invalid", _passphrase()),
        DemoPerson("clinician", "clinician@demo.confide.invalid", _passphrase()),
        DemoPerson("supervisor", "supervisor@demo.confide.invalid", _passphrase()),
        DemoPerson("front_desk", "frontdesk@demo.confide.invalid", _passphrase()),
    ]
    owner = services.create_practice(
        name="Quiet Harbour Counselling (demo)",
        jurisdiction="US-CA",
        owner_email=people[0].email,
        owner_password=people[0].password,
        owner_name="Dr. Robin Vale",
    ).membership
    # The demo must sign in with the printed passwords alone; the banner says MFA is optional here.
    owner.practice.mfa_required = False
    owner.practice.save(update_fields=["mfa_required"])
    names = {"clinician": "Sam Okafor, LMFT", "supervisor": "Dr. Ines Marlow", "front_desk": "Jo Finch"}
    for person in people[1:]:
        user = User.objects.create_user(email=person.email, password=person.password, display_name=names[person.role])
        Membership.objects.create(practice=owner.practice, user=user, role=Role(person.role))
        keys.provision_user_keys(user.pk, owner.practice_id, person.password)
    return people
