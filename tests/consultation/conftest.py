from tests.records.conftest import client_record

__all__ = ["client_record"]
