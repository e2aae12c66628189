from __future__ import annotations

from tests.portal.conftest import client_account, client_record, consent

__all__ = ["client_account", "client_record", "consent"]
