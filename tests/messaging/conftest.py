from tests.portal.conftest import client_account, client_record, consent  # noqa: F401 (shared fixtures)
