"""The portal invitation token never reaches a log line."""

from __future__ import annotations

import logging

from confide.core.redaction import RedactSecretsFilter, redact_path

TOKEN = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"


def test_the_join_token_is_redacted_from_paths_and_request_lines() -> None:
    assert redact_path(f"/portal/join/{TOKEN}/") == "/portal/join/[redacted]/"
    assert TOKEN not in redact_path(f'"GET /portal/join/{TOKEN}/ HTTP/1.1" 200')
    assert redact_path("/portal/consent/") == "/portal/consent/"


def test_the_logging_filter_redacts_it() -> None:
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (
        f"/portal/join/{TOKEN}/",), None)
    RedactSecretsFilter().filter(record)
    assert TOKEN not in record.getMessage()
