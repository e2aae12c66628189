"""Helpers other test modules use to get disclosure records (fictional content)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from confide.disclosures import authorizations, required
from confide.disclosures.authorizations import AuthorizationInput
from confide.keys.vault import Vault
from confide.records.models import Client


def portal_authorization(vault: Vault, client: Client) -> str:
    """A complete authorization signed in the portal; returns its public id."""
    auth = authorizations.sign_authorization(vault, client.public_id, AuthorizationInput(
        categories=("progress_notes",), description="Progress notes of 2026", discloser="The practice",
        recipient_name="Dr. Example Recipient", purposes="At the request of the client",
        expiry_event="One year after signing", signer_name="The client", signed_on=timezone.localdate(),
        states_right_to_revoke=True, states_conditioning=True, states_redisclosure=True))
    return str(auth.public_id)


def disclosure_ids(vault: Vault, client: Client) -> dict[str, str]:
    """An authorization and an emergency draft of `client`, by the ids the routes take."""
    draft = required.start_emergency_disclosure(vault, client.public_id, basis="duty_to_warn")
    return {"authorization_id": portal_authorization(vault, client), "disclosure_id": str(draft.public_id)}


def prepare_for_portal(vault: Vault, account: Any) -> Any:
    """An authorization prepared for `account`'s client to sign in the portal (fictional content)."""
    from confide.disclosures import client_side

    return client_side.prepare_authorization(vault, account.client.public_id, AuthorizationInput(
        categories=("progress_notes",), description="Progress notes of 2026", discloser="The practice",
        recipient_name="Dr. Example Recipient", purposes="At the request of the client",
        expiry_event="One year after signing", signer_name="The client"))
