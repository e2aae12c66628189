"""Authorizations: every element of 45 CFR 164.508(c), psychotherapy notes apart, Part 2, revocation, expiry."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.disclosures import authorizations
from confide.disclosures.authorizations import (
    AuthorizationInput,
    InactiveAuthorizationError,
    IncompleteAuthorizationError,
)
from confide.disclosures.models import Authorization
from confide.records.errors import NotFoundError
from confide.records.models import Client
from tests.conftest import Person
from tests.records.conftest import vault_of


def _refused(bob: Person, client: Client, data: AuthorizationInput) -> dict[str, str]:
    with pytest.raises(IncompleteAuthorizationError) as caught:
        authorizations.create_authorization(vault_of(bob), client.public_id, data)
    assert not Authorization.objects.exists()
    return caught.value.errors


# One case per element: the change that removes it, the field named, words the message must hold.
MISSING: list[tuple[str, dict[str, Any], str, str]] = [
    ("description", {"description": "  "}, "description", "164.508(c)(1)(i)"),
    ("who may disclose", {"discloser": ""}, "discloser", "164.508(c)(1)(ii)"),
    ("recipient", {"recipient_name": ""}, "recipient_name", "164.508(c)(1)(iii)"),
    ("purpose", {"purposes": ""}, "purposes", "164.508(c)(1)(iv)"),
    ("expiry date or event", {"expires_on": None, "expiry_event": ""}, "expires_on", "164.508(c)(1)(v)"),
    ("signature", {"signer_name": ""}, "signer_name", "164.508(c)(1)(vi)"),
    ("date of signature", {"signed_on": None}, "signed_on", "164.508(c)(1)(vi)"),
    ("representative's authority", {"signed_by_representative": True, "representative_authority": ""},
     "representative_authority", "authority"),
    ("right to revoke", {"states_right_to_revoke": False}, "states_right_to_revoke", "164.508(c)(2)(i)"),
    ("conditioning", {"states_conditioning": False}, "states_conditioning", "164.508(c)(2)(ii)"),
    ("redisclosure", {"states_redisclosure": False}, "states_redisclosure", "164.508(c)(2)(iii)"),
    ("scan of a paper form", {"scan_document_id": ""}, "scan_document_id", "scan"),
    ("kind of information", {"categories": ()}, "categories", "at least one"),
]


@pytest.mark.parametrize(("element", "change", "field", "words"), MISSING, ids=[m[0] for m in MISSING])
def test_it_refuses_an_authorization_missing_an_element(bob: Person, client_record: Client,
                                                        complete: AuthorizationInput, element: str,
                                                        change: dict[str, Any], field: str, words: str) -> None:
    errors = _refused(bob, client_record, replace(complete, **change))
    assert list(errors) == [field], f"{element}: exactly one message, for its own field"
    assert words in errors[field]


def test_it_names_every_missing_element_at_once(bob: Person, client_record: Client) -> None:
    errors = _refused(bob, client_record, AuthorizationInput())
    assert set(errors) >= {"categories", "description", "discloser", "recipient_name", "purposes", "expires_on",
                           "signer_name", "signed_on", "states_right_to_revoke", "states_conditioning",
                           "states_redisclosure", "scan_document_id"}


def test_an_expiry_event_is_enough_without_a_date(bob: Person, client_record: Client,
                                                  complete: AuthorizationInput) -> None:
    auth = authorizations.create_authorization(vault_of(bob), client_record.public_id, replace(
        complete, expires_on=None, expiry_event="End of the current court proceedings"))
    assert auth.expires_on is None
    assert authorizations.authorization_state(auth) == "active"


def test_bad_dates_are_refused(bob: Person, client_record: Client, complete: AuthorizationInput) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert "future" in _refused(bob, client_record, replace(complete, signed_on=tomorrow))["signed_on"]
    errors = _refused(bob, client_record, replace(complete, expires_on=timezone.localdate() - dt.timedelta(days=1)))
    assert "on or after" in errors["expires_on"]


def test_a_scan_of_another_clients_document_is_refused(bob: Person, client_record: Client,
                                                       complete: AuthorizationInput) -> None:
    errors = _refused(bob, client_record, replace(complete, scan_document_id="00000000-0000-0000-0000-000000000000"))
    assert "this client's documents" in errors["scan_document_id"]


def test_a_portal_signature_needs_no_scan(bob: Person, client_record: Client, complete: AuthorizationInput) -> None:
    auth = authorizations.sign_authorization(vault_of(bob), client_record.public_id,
                                             replace(complete, scan_document_id=""))
    assert auth.signature_method == Authorization.SignatureMethod.PORTAL


def test_psychotherapy_notes_cannot_be_combined_with_other_information(
        bob: Person, client_record: Client, complete: AuthorizationInput) -> None:
    errors = _refused(bob, client_record, replace(complete, categories=("psychotherapy_notes", "progress_notes")))
    assert "164.508(b)(3)(ii)" in errors["categories"]


def test_a_psychotherapy_notes_authorization_is_its_own_kind(pn_authorization: Authorization) -> None:
    assert pn_authorization.kind == Authorization.Kind.PSYCHOTHERAPY_NOTES


def test_a_flagged_client_needs_a_part2_consent_naming_the_patient(
        bob: Person, client_record: Client, complete: AuthorizationInput) -> None:
    authorizations.set_part2_flag(vault_of(bob), client_record.public_id, flagged=True)
    errors = _refused(bob, client_record, complete)
    assert list(errors) == ["patient_name"] and "2.31" in errors["patient_name"]
    auth = authorizations.create_authorization(vault_of(bob), client_record.public_id,
                                               replace(complete, patient_name="Wilhelmina Quastenbrook"))
    assert auth.kind == Authorization.Kind.PART2
    authorizations.set_part2_flag(vault_of(bob), client_record.public_id, flagged=False)
    assert not authorizations.part2_applies(vault_of(bob), client_record)


def test_the_content_is_sealed(bob: Person, authorization: Authorization) -> None:
    raw = bytes(Authorization.objects.get(pk=authorization.pk).content)
    assert b"Farthingale" not in raw and b"Continuity" not in raw
    opened = authorizations.open_authorization(vault_of(bob), authorization.client.public_id,
                                               authorization.public_id)
    assert opened.recipient_name == "Dr. Imogen Farthingale"
    assert LogEntry.objects.filter(tag="disclosure:authorization:read").count() == 1


def test_creation_and_revocation_are_audited_and_revocation_blocks_at_once(
        bob: Person, client_record: Client, authorization: Authorization) -> None:
    assert LogEntry.objects.filter(tag="disclosure:authorization:created").count() == 1
    authorizations.require_active(authorization)
    revoked = authorizations.revoke_authorization(vault_of(bob), client_record.public_id, authorization.public_id,
                                                  note="Letter from the client received today")
    assert authorizations.authorization_state(revoked) == "revoked"
    with pytest.raises(InactiveAuthorizationError, match="revoked"):
        authorizations.require_active(revoked)
    assert LogEntry.objects.filter(tag="disclosure:authorization:revoked").count() == 1
    with pytest.raises(authorizations.DisclosureError, match="already revoked"):
        authorizations.revoke_authorization(vault_of(bob), client_record.public_id, authorization.public_id)


def test_expiry_by_date_and_by_event(bob: Person, client_record: Client, authorization: Authorization) -> None:
    later = authorization.expires_on + dt.timedelta(days=1)  # type: ignore[operator]
    assert authorizations.authorization_state(authorization, today=later) == "expired"
    authorizations.record_expiry_event(vault_of(bob), client_record.public_id, authorization.public_id)
    authorization.refresh_from_db()
    with pytest.raises(InactiveAuthorizationError, match="expired"):
        authorizations.require_active(authorization)


def test_people_outside_the_care_team_get_not_found(carol: Person, dana: Person, client_record: Client,
                                                    complete: AuthorizationInput,
                                                    authorization: Authorization) -> None:
    for person in (carol, dana):
        with pytest.raises(NotFoundError):
            authorizations.create_authorization(vault_of(person), client_record.public_id, complete)
        with pytest.raises(NotFoundError):
            authorizations.open_authorization(vault_of(person), client_record.public_id, authorization.public_id)
