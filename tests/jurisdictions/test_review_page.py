"""The owner reviews the practice's pack rule by rule, with sources, and confirms; changes are audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from confide.audit.models import LogEntry
from confide.jurisdictions import load_pack, pack_confirmed, practice_pack
from confide.jurisdictions import services as jurisdictions
from confide.jurisdictions.models import PackConfirmation
from confide.practice.models import Practice
from tests.accounts.test_signin import sign_in
from tests.conftest import Person

URL = "/practice/jurisdiction/"


@pytest.fixture
def owner(client: Client, alice: Person, relaxed: Practice) -> Client:
    sign_in(client, alice.email, alice.password)
    return client


def tags() -> list[str]:
    return list(LogEntry.objects.order_by("position").values_list("tag", flat=True))


def test_the_page_shows_every_rule_with_its_source_status_and_the_disclaimer(owner: Client) -> None:
    response = owner.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Decision support, not legal advice." in html
    assert "Not confirmed yet" in html
    pack = load_pack("US-CA")
    for rule in pack.rules:
        assert rule.citation.replace("&", "&amp;") in html
    assert html.count("<dt>Source</dt>") == len(pack.rules)
    assert 'href="https://hipaatemplates.com/faq-items/timeliness-of-notification/"' in html


def test_rules_that_are_not_confirmed_are_flagged(owner: Client, alice: Person) -> None:
    jurisdictions.choose_jurisdiction(actor=alice.user, code="US-AK")
    html = owner.get(URL).content.decode()
    assert '<strong class="warning">Secondary table</strong>' in html
    assert '<strong class="warning">Not researched</strong>' in html
    assert "APA guideline, not state law" in html


def test_confirming_stores_the_pack_version_and_is_audited(owner: Client, practice: Practice) -> None:
    pack = load_pack("US-CA")
    response = owner.post(
        URL, {"action": "confirm", "code": pack.code, "fingerprint": pack.fingerprint, "reviewed": "on"}
    )
    assert response.status_code == 302
    assert pack_confirmed(practice)
    assert PackConfirmation.objects.get(practice=practice).fingerprint == pack.fingerprint
    assert tags()[-1] == "practice:jurisdiction:confirmed"
    assert "Confirmed by" in owner.get(URL).content.decode()


def test_confirming_without_the_tick_is_a_400_near_the_field(owner: Client, practice: Practice) -> None:
    pack = load_pack("US-CA")
    before = tags()
    response = owner.post(URL, {"action": "confirm", "code": pack.code, "fingerprint": pack.fingerprint})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert not pack_confirmed(practice) and tags() == before


def test_a_stale_page_cannot_confirm_a_changed_pack(owner: Client, practice: Practice) -> None:
    response = owner.post(URL, {"action": "confirm", "code": "US-CA", "fingerprint": "0" * 64, "reviewed": "on"})
    assert response.status_code == 400
    assert "The rules changed since this page was shown" in response.content.decode()
    # The page shown again carries the current version, so the owner can confirm what they now see.
    assert f'name="fingerprint" value="{load_pack("US-CA").fingerprint}"' in response.content.decode()
    assert not PackConfirmation.objects.exists()


def test_choosing_a_jurisdiction_needs_a_new_confirmation(owner: Client, alice: Person, practice: Practice) -> None:
    ca = load_pack("US-CA")
    jurisdictions.confirm_pack(actor=alice.user, code=ca.code, fingerprint=ca.fingerprint)
    assert pack_confirmed(practice)
    response = owner.post(URL, {"action": "choose", "code": "US-OR"})
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.jurisdiction == "US-OR"
    assert practice_pack(practice).code == "US-OR"  # type: ignore[union-attr]
    assert not pack_confirmed(practice)
    assert "practice:jurisdiction:changed" in tags()
    assert "These rules changed since they were confirmed" in owner.get(URL).content.decode()


def test_an_unknown_jurisdiction_is_a_400_near_the_field(owner: Client, practice: Practice) -> None:
    response = owner.post(URL, {"action": "choose", "code": "XX"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    practice.refresh_from_db()
    assert practice.jurisdiction == "US-CA"


def test_an_unknown_action_is_a_400(owner: Client) -> None:
    assert owner.post(URL, {"action": "nonsense"}).status_code == 400


def test_a_changed_pack_file_asks_for_re_confirmation(
    alice: Person, practice: Practice, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca = load_pack("US-CA")
    jurisdictions.confirm_pack(actor=alice.user, code=ca.code, fingerprint=ca.fingerprint)
    assert pack_confirmed(practice)
    changed = ca.__class__(code=ca.code, name=ca.name, parent=ca.parent, rules=ca.rules[1:], fingerprint="f" * 64)
    monkeypatch.setattr(jurisdictions, "load_pack", lambda code: changed)
    assert not pack_confirmed(practice)


def test_staff_who_are_not_the_owner_get_404(client: Client, bob: Person, relaxed: Practice) -> None:
    sign_in(client, bob.email, bob.password)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"action": "choose", "code": "US-OR"}).status_code == 404


def test_the_service_refuses_a_non_owner(bob: Person) -> None:
    with pytest.raises(jurisdictions.JurisdictionError, match="Only the practice owner"):
        jurisdictions.choose_jurisdiction(actor=bob.user, code="US-OR")


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, db: None) -> None:
    assert client.get(URL).status_code == 302


def test_a_practice_with_the_old_gb_code_gets_the_uk_pack(practice: Practice) -> None:
    practice.jurisdiction = "GB"
    practice.save()
    assert practice_pack(practice).code == "UK"  # type: ignore[union-attr]


def test_the_owner_home_page_asks_for_confirmation_until_it_is_given(owner: Client, alice: Person) -> None:
    assert "rules are not confirmed" in owner.get("/").content.decode()
    ca = load_pack("US-CA")
    jurisdictions.confirm_pack(actor=alice.user, code=ca.code, fingerprint=ca.fingerprint)
    assert "rules are not confirmed" not in owner.get("/").content.decode()


def test_a_practice_may_be_created_in_any_pack_jurisdiction(db: None) -> None:
    from confide.practice import services as practice_services

    created = practice_services.create_practice(
        name="Cedar Counselling",
        jurisdiction="US-WA",
        owner_email="wren@example.test",
        owner_password="correct horse battery staple lantern",
        owner_name="",
    )
    assert practice_pack(created.membership.practice).code == "US-WA"  # type: ignore[union-attr]
    with pytest.raises(practice_services.PracticeError, match="Unknown jurisdiction"):
        practice_services.create_practice(
            name="Nowhere",
            jurisdiction="XX",
            owner_email="nobody@example.test",
            owner_password="correct horse battery staple lantern",
            owner_name="",
        )
