"""Fixtures of the API tests: a personal access token per person, and a JSON client that sends it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as HttpClient

from confide.keys.vault import create_access_token
from confide.practice.models import Practice, Role
from tests.conftest import PASSWORD, Person, add_member
from tests.records.conftest import client_record, vault_of

__all__ = ["Api", "client_record", "token_of"]

PROBLEM = "application/problem+json"


def token_of(person: Person, name: str = "tests") -> str:
    """A fresh personal access token of `person`."""
    return create_access_token(vault_of(person), name)


class Api:
    """The Django test client speaking JSON to /api/v1 with one token (or none)."""

    def __init__(self, http: HttpClient, token: str | None) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str) -> Any:
        return self.http.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path: str, body: Any = None, *, raw: str | bytes | None = None,
             content_type: str = "application/json") -> Any:
        data = raw if raw is not None else json.dumps(body)
        return self.http.post(f"/api/v1{path}", data=data, content_type=content_type, headers=self.headers)

    def delete(self, path: str, body: Any = None) -> Any:
        data = json.dumps(body) if body is not None else ""
        return self.http.delete(f"/api/v1{path}", data=data, content_type="application/json", headers=self.headers)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is RFC 9457 problem details with this status; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


@pytest.fixture
def api_as(client: HttpClient) -> Callable[[Person], Api]:
    """`api_as(person)`: an `Api` carrying a fresh token of that person."""
    return lambda person: Api(client, token_of(person))


@pytest.fixture
def anonymous(client: HttpClient) -> Api:
    return Api(client, None)


@pytest.fixture
def erin(practice: Practice) -> Person:
    """A clinician in alice's practice who is on nobody's care team."""
    return Person(add_member(practice, "erin@example.test", Role.CLINICIAN), PASSWORD)
