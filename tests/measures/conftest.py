"""Fixtures of the measures tests: bob's client with a portal account (from the portal tests)."""

from __future__ import annotations

from tests.portal.conftest import client_account, client_record, consent

__all__ = ["client_account", "client_record", "consent"]
