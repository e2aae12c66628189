"""The break-glass banner and menu: always-present keys, and the session asked only for holders (issue 7)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from confide.accounts.models import User
from confide.accounts.policy import request_membership
from confide.oversight.context_processors import emergency
from confide.oversight.models import BreakGlassSession
from confide.records.models import Client
from tests.conftest import PASSWORD, Person
from tests.oversight.conftest import designate
from tests.web.test_records_pages import browser_of

pytestmark = pytest.mark.django_db

NOTHING = {"emergency_holder": False, "emergency_until": None}


def _request(person: Person | None, path: str) -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = person.user if person is not None else AnonymousUser()
    request.resolver_match = resolve(path)
    return request


def _chart(client: Client) -> str:
    return f"/clients/{client.public_id}/"


def _session(person: Person, client: Client, *, minutes: int = 30, ended: bool = False) -> BreakGlassSession:
    now = timezone.now()
    return BreakGlassSession.objects.create(practice_id=client.practice_id, user=person.user, client=client,
                                            reason=b"", expires_at=now + dt.timedelta(minutes=minutes),
                                            ended_at=now if ended else None)


def _emergency_with_queries(request: HttpRequest) -> tuple[dict[str, object], list[str]]:
    with CaptureQueriesContext(connection) as captured:
        found = emergency(request)
    return found, [query["sql"] for query in captured.captured_queries]


def test_a_member_who_is_no_holder_costs_one_lookup_and_no_session_query(bob: Person,
                                                                         client_record: Client) -> None:
    request = _request(bob, _chart(client_record))
    found, queries = _emergency_with_queries(request)
    assert found == NOTHING
    assert len([sql for sql in queries if "oversight_" in sql]) == 1, queries
    assert not any(sql.startswith('SELECT "oversight_breakglasssession"') for sql in queries), queries
    again, queries = _emergency_with_queries(request)
    assert again == NOTHING and queries == [], "answered once per request"


def test_a_holder_on_their_clients_page_gets_the_end_of_the_session(alice: Person, frank: Person,
                                                                    client_record: Client) -> None:
    designate(alice, frank)
    session = _session(frank, client_record)
    found, queries = _emergency_with_queries(_request(frank, _chart(client_record)))
    assert found == {"emergency_holder": True, "emergency_until": session.expires_at}
    assert len([sql for sql in queries if "oversight_" in sql]) == 2, "the holder, then the session"
    found, queries = _emergency_with_queries(_request(frank, "/"))
    assert found == {"emergency_holder": True, "emergency_until": None}
    assert len([sql for sql in queries if "oversight_" in sql]) == 1, "no session to look for off a client's pages"


def test_a_holder_without_a_live_session_for_this_client_gets_the_menu_and_no_banner(
        alice: Person, frank: Person, client_record: Client, bob: Person) -> None:
    designate(alice, frank)
    _session(frank, client_record, ended=True)
    _session(frank, client_record, minutes=-5)  # expired
    assert emergency(_request(frank, _chart(client_record))) == {"emergency_holder": True, "emergency_until": None}
    assert emergency(_request(frank, "/")) == {"emergency_holder": True, "emergency_until": None}
    other = Client.objects.create(practice_id=client_record.practice_id, demographics=b"", created_by=bob.user)
    _session(frank, other)
    assert emergency(_request(frank, _chart(client_record)))["emergency_until"] is None, "another client's session"


def test_a_session_of_someone_who_is_no_longer_a_holder_shows_nothing(frank: Person, client_record: Client) -> None:
    # A stray session row of a non-holder opens nothing (the vault asks for the holder too).
    _session(frank, client_record)
    assert emergency(_request(frank, _chart(client_record))) == NOTHING


def test_strangers_and_people_without_a_membership_cost_no_query(client_record: Client) -> None:
    found, queries = _emergency_with_queries(_request(None, _chart(client_record)))
    assert found == NOTHING and queries == []
    someone = User.objects.create_user(email="wq.portal@example.test", password=PASSWORD)  # a portal client, say
    request = _request(Person(someone, PASSWORD), _chart(client_record))
    assert request_membership(request) is None  # asked once per request by the page's other context processor
    found, queries = _emergency_with_queries(request)
    assert found == NOTHING and queries == []


def test_a_malformed_client_id_gets_no_banner_and_no_error(alice: Person, frank: Person) -> None:
    designate(alice, frank)
    request = RequestFactory().get("/api/v1/clients/not-a-uuid")
    request.user = frank.user
    request.resolver_match = type("Match", (), {"kwargs": {"client_id": "not-a-uuid"}})()
    assert emergency(request) == {"emergency_holder": True, "emergency_until": None}
    request = _request(frank, f"/clients/{uuid.uuid4()}/")
    assert emergency(request) == {"emergency_holder": True, "emergency_until": None}


def test_the_menu_shows_emergency_access_to_holders_only(alice: Person, bob: Person, frank: Person) -> None:
    designate(alice, frank)
    assert b'href="/emergency/"' in browser_of(frank).get("/").content
    assert b'href="/emergency/"' not in browser_of(bob).get("/").content


def test_a_non_holder_signed_in_through_the_backend_costs_no_query(bob: Person, alice: Person, frank: Person,
                                                                   client_record: Client) -> None:
    """The sign-in backend loads the membership and the holder row with the user (one query per request)."""
    from confide.accounts.backends import AuthenticationBackend

    request = _request(bob, _chart(client_record))
    request.user = AuthenticationBackend().get_user(bob.user.pk)
    found, queries = _emergency_with_queries(request)
    assert found == NOTHING and queries == []
    designate(alice, frank)
    session = _session(frank, client_record)
    request = _request(frank, _chart(client_record))
    request.user = AuthenticationBackend().get_user(frank.user.pk)
    found, queries = _emergency_with_queries(request)
    assert found == {"emergency_holder": True, "emergency_until": session.expires_at}
    assert len(queries) == 1, "only the holder's session is looked up"
