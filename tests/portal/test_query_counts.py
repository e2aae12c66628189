"""Query counts of the chart's "Consent and privacy" panel (issue 7): counts, never times.

The panel is on every chart open of a client's clinical team. It used to ask nine to seventeen
queries (the account, the portal copies' backfill, the signature twice, the practice again, the
settings, the care team); these tests keep it at the document's policy and one query of facts,
plus the portal key check and the check-ins when the client has an account, and make sure the
backfill still happens when a copy is missing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.disclosures import client_side
from confide.disclosures import records as disclosures
from confide.disclosures.models import Authorization, PortalCopy
from confide.portal import services
from confide.portal.documents import current_document
from confide.portal.models import ClientAccount, ConsentSignature, PortalSettings
from confide.practice.models import Membership, Practice
from confide.records import care
from confide.records import services as records
from confide.records.auditing import read_page
from confide.records.errors import NotFoundError
from confide.records.models import Client
from confide.web.chart_views import load_chart
from tests.conftest import Person
from tests.disclosures.conftest import authorization, complete, scan
from tests.disclosures.test_required import _walk
from tests.portal.conftest import CLIENT_PASSWORD, client_vault_of
from tests.records.conftest import vault_of
from tests.records.test_query_counts import _chart_queries, _key_checks, chart_query_budget
from tests.web.test_records_pages import browser_of

pytestmark = pytest.mark.django_db

__all__ = ["authorization", "complete", "scan"]  # fixtures

# The consent document's policy, and one query for everything else the panel decides from.
WITHOUT_ACCOUNT = 2
# The same, and the portal key check (the check-ins are read under it, and the read is logged).
WITH_ACCOUNT = 3


def _practice_of(person: Person) -> Practice:
    return Membership.objects.select_related("practice").get(user=person.user).practice


def _panel(person: Person, client: Client) -> tuple[services.ChartPanel, list[str]]:
    """The panel as the chart builds it: inside the chart's read page, after the chart's own reads."""
    vault = vault_of(person)
    practice = _practice_of(person)
    with read_page():
        load_chart(vault, str(client.public_id))  # the chart's own reads first, as on the page
        with CaptureQueriesContext(connection) as captured:
            panel = services.chart_panel(vault, client.public_id, practice=practice)
    return panel, [query["sql"] for query in captured.captured_queries]


def _join(bob: Person, client: Client) -> ClientAccount:
    issued = services.invite_client(vault_of(bob), client.public_id, email="wq.counts@example.test")
    return services.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                             email="wq.counts@example.test", password=CLIENT_PASSWORD)


def _sign(account: ClientAccount) -> ConsentSignature:
    version, _ = services.read_consent(account)
    return services.sign_consent(client_vault_of(account), account, version_number=version.number,
                                 understood=True, typed_name="Wilhelmina Quastenbrook")


def test_without_a_portal_account_the_panel_asks_two_queries(bob: Person, client_record: Client) -> None:
    _panel(bob, client_record)
    panel, queries = _panel(bob, client_record)
    assert len(queries) <= WITHOUT_ACCOUNT, "\n".join(queries)
    assert not any('"keys_keywrap"' in sql for sql in queries), "no portal key to look for without an account"
    assert panel.status.state == "none" and panel.status.signed_at is None and panel.status.revisit_reason is None
    assert not panel.has_account and panel.trend == [] and panel.may_invite


def test_with_an_account_and_current_consent_the_panel_asks_three_queries(bob: Person,
                                                                          client_record: Client) -> None:
    signature = _sign(_join(bob, client_record))
    _panel(bob, client_record)
    panel, queries = _panel(bob, client_record)
    assert len(queries) <= WITH_ACCOUNT, "\n".join(queries)
    assert panel.has_account and panel.trend == []
    assert panel.status.state == "current"
    assert panel.status.signed_version == panel.status.current_version == signature.version.number
    assert panel.status.signed_at == signature.signed_at
    assert not PortalCopy.objects.exists(), "nothing to copy, and nothing written"


def test_check_ins_cost_one_query_more_and_their_read_is_logged(bob: Person, client_record: Client) -> None:
    account = _join(bob, client_record)
    _sign(account)
    services.submit_checkin(client_vault_of(account), account, {"comfort": 5, "informed": 4, "trust": 5})
    _panel(bob, client_record)  # the first open stores the keyring wrap of the portal key; measure the next
    before = LogEntry.objects.filter(tag="portal:checkins:read").count()
    panel, queries = _panel(bob, client_record)
    assert len(queries) <= WITH_ACCOUNT + 1, "\n".join(queries)
    assert [(c.answers.comfort, c.answers.informed, c.answers.trust) for c in panel.trend] == [(5, 4, 5)]
    assert LogEntry.objects.filter(tag="portal:checkins:read").count() == before + 1


def test_an_account_without_check_ins_still_logs_the_read(bob: Person, client_record: Client) -> None:
    _join(bob, client_record)
    before = LogEntry.objects.filter(tag="portal:checkins:read", client_id=str(client_record.public_id)).count()
    panel, _ = _panel(bob, client_record)
    assert panel.trend == []
    assert LogEntry.objects.filter(tag="portal:checkins:read",
                                   client_id=str(client_record.public_id)).count() == before + 1


def test_what_was_recorded_before_the_client_joined_is_copied_on_the_next_chart_open(
        bob: Person, client_record: Client, authorization: Authorization) -> None:
    disclosure = _walk(bob, client_record)
    _join(bob, client_record)
    assert not PortalCopy.objects.exists()
    panel, queries = _panel(bob, client_record)
    assert panel.has_account
    copied = set(PortalCopy.objects.values_list("kind", "record_id"))
    assert copied == {(PortalCopy.Kind.AUTHORIZATION, authorization.public_id),
                      (PortalCopy.Kind.DISCLOSURE, disclosure.public_id)}
    assert len(queries) > WITH_ACCOUNT, "the backfill did its work"
    _, queries = _panel(bob, client_record)
    assert len(queries) <= WITH_ACCOUNT, "once copied, the next open is cheap again\n" + "\n".join(queries)


def test_a_copy_of_an_older_version_of_a_disclosure_is_copied_again(bob: Person, client_record: Client) -> None:
    _join(bob, client_record)
    disclosure = _walk(bob, client_record)
    _panel(bob, client_record)
    _, queries = _panel(bob, client_record)
    assert len(queries) <= WITH_ACCOUNT, "the disclosure was copied when it was recorded"
    PortalCopy.objects.filter(record_id=disclosure.public_id).update(version=disclosure.version - 1, content=b"old")
    _panel(bob, client_record)
    copy = PortalCopy.objects.get(record_id=disclosure.public_id)
    assert copy.version == disclosure.version and bytes(copy.content) != b"old"


def test_may_invite_follows_the_care_team_rows(bob: Person, carol: Person, client_record: Client) -> None:
    from confide.records.models import CareTeamMember

    with read_page():
        assert services.chart_panel(vault_of(bob), client_record.public_id).may_invite
    records.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    with read_page():
        assert services.chart_panel(vault_of(carol), client_record.public_id).may_invite
    CareTeamMember.objects.filter(client=client_record, user=carol.user).update(clinical_access=False)
    with read_page():  # holds the key still, but the row says no clinical access
        assert not services.chart_panel(vault_of(carol), client_record.public_id).may_invite


def test_the_panel_refuses_someone_without_clinical_access(dana: Person, charlie: Person,
                                                           client_record: Client) -> None:
    for person in (dana, charlie):  # front desk holds the admin scope only; charlie is of another practice
        with pytest.raises(NotFoundError):
            services.chart_panel(vault_of(person), client_record.public_id)


def test_a_practice_given_for_another_client_is_not_used(bob: Person, charlie: Person,
                                                         client_record: Client) -> None:
    _sign(_join(bob, client_record))
    other = _practice_of(charlie)
    other.name = "Another Practice Altogether"
    assert current_document(other).fingerprint != current_document(client_record.practice).fingerprint
    with read_page():
        panel = services.chart_panel(vault_of(bob), client_record.public_id, practice=other)
    assert panel.status.state == "current"


def test_a_chart_of_a_client_with_an_account_checks_the_portal_key_once(bob: Person, client_record: Client) -> None:
    _sign(_join(bob, client_record))
    queries = _chart_queries(bob, client_record)
    assert _key_checks(queries) == 1, "one wrap lookup answers the admin, clinical and portal scopes"
    assert len(queries) <= chart_query_budget(), "\n".join(queries)
    page = browser_of(bob).get(f"/clients/{client_record.public_id}/").content.decode()
    assert 'data-consent-state="current"' in page and "The client has a portal account." in page


def test_the_revisit_reasons_come_from_the_same_query(bob: Person, client_record: Client) -> None:
    account = _join(bob, client_record)
    signature = _sign(account)
    assert not PortalSettings.objects.exists(), "the practice never saved its settings: the defaults apply"
    _panel(bob, client_record)
    panel, queries = _panel(bob, client_record)
    assert panel.status.revisit_reason is None and len(queries) <= WITH_ACCOUNT
    assert not PortalSettings.objects.exists(), "reading writes nothing"
    # An episode opened after the signature, before today: intake is done (a default setting).
    ConsentSignature.objects.filter(pk=signature.pk).update(signed_at=timezone.now() - dt.timedelta(days=10))
    care.open_episode(vault_of(bob), client_record.public_id, opened_on=timezone.localdate() - dt.timedelta(days=3))
    panel, queries = _panel(bob, client_record)
    assert panel.status.revisit_reason == "Intake is done: revisit confidentiality with the client."
    assert len(queries) <= WITH_ACCOUNT
    services.update_settings(practice=client_record.practice, revisit_after_intake=False,
                             revisit_after_disclosure=True, revisit_every_months=0, checkin_every_days=30)
    assert _panel(bob, client_record)[0].status.revisit_reason is None
    services.record_disclosure(client_record)
    panel, _ = _panel(bob, client_record)
    assert "disclosed since" in (panel.status.revisit_reason or "")
    signed = ConsentSignature.objects.get(pk=signature.pk)
    assert panel.status.signed_at == signed.signed_at and panel.status.signed_at.tzinfo is not None


def test_an_exempt_disclosure_needs_no_copy_and_costs_nothing(bob: Person, client_record: Client) -> None:
    _join(bob, client_record)
    disclosures.record_disclosure(vault_of(bob), client_record.public_id, basis="treatment",
                                  recipient_name="Dr. Exempt", description="Summary", purpose="Care")
    assert not client_side.portal_copies_due(client_record), "left out of the accounting, so not copied"
    _panel(bob, client_record)
    _, queries = _panel(bob, client_record)
    assert len(queries) <= WITH_ACCOUNT, "\n".join(queries)
    assert not PortalCopy.objects.exists()
