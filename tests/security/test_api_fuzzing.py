"""Schemathesis against /api/v1/openapi.json, in process, as a clinician with a real record.

Every operation gets a bounded number of generated requests, valid and invalid. Every answer
must: not be a server error, match the documented status codes, content types and response
schemas, and be RFC 9457 problem details when it is an error. Path ids are, for half the cases,
replaced with real ids of the clinician's client so the fuzzer reaches the record itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.world import World, build_world

PROBLEM = "application/problem+json"
# Generated requests per operation; about a minute for the whole API on this machine.
EXAMPLES = 15

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def problem_details(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error answer is RFC 9457 problem details whose status is the response's."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("Content-Type", response.headers.get("content-type", ""))
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type == PROBLEM, f"{response.status_code} answered {content_type!r}, not {PROBLEM}"
    body = json.loads(response.content)
    assert body.get("status") == response.status_code, body
    assert body.get("title") and body.get("detail") and body.get("type"), body
    return None


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    assert response.status_code < 500, f"{response.status_code} for {case.method} {case.formatted_path}"
    return None


CHECKS = [no_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          problem_details]


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: a request must not close the connection holding the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def _real_ids(case: Any, world: World) -> None:
    params = case.path_parameters or {}
    if params and hash(json.dumps(params, sort_keys=True, default=str)) % 2 == 0:
        for name in params:
            if name in world.ours.ids:
                params[name] = world.ours.ids[name]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_holds_its_contract_under_fuzzing(case: Any, world: World) -> None:
    _real_ids(case, world)
    case.call_and_validate(headers={"Authorization": f"Bearer {world.token('clinician_on_team')}"}, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_without_a_token_every_operation_answers_a_problem(case: Any, db: None) -> None:
    response = case.call_and_validate(checks=CHECKS)
    if not case.operation.path.endswith("/health"):
        # Schemathesis also tries methods the operation does not have: those get a 405 problem.
        expected = 401 if case.method.upper() == case.operation.method.upper() else 405
        assert response.status_code == expected, (case.method, case.operation.path, response.status_code)
