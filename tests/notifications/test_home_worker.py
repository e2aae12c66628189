"""The owner's home page says when no worker is running."""

from __future__ import annotations

import pytest
from django.test import Client

from confide.notifications.worker import beat
from tests.conftest import Person


@pytest.fixture
def owner_client(alice: Person, relaxed: object) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


def test_the_owner_sees_that_the_worker_is_down(owner_client: Client) -> None:
    page = owner_client.get("/")
    assert page.status_code == 200
    assert b'id="worker-down"' in page.content


def test_the_owner_sees_a_running_worker(owner_client: Client) -> None:
    beat("worker-1")
    page = owner_client.get("/")
    assert b'id="worker-up"' in page.content and b'id="worker-down"' not in page.content
