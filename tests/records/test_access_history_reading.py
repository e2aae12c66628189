"""Reading a client's access history: visits, filters, pages, who sees what, and the purpose of use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client as Browser

from confide.audit import services as audit_services
from confide.audit.models import LogEntry
from confide.audit.tags import Tag
from confide.auditlog import LogIntegrityError, Outcome, PurposeOfUse, decode_entry
from confide.records import access_history, care
from confide.records import services as records
from confide.records.access_history import AccessEntry, AccessHistory, group_visits, present, summarize
from confide.records.models import Client
from tests.api.conftest import token_of
from tests.conftest import Person
from tests.records.conftest import vault_of

T0 = dt.datetime(2026, 12, 2, 16, 49, tzinfo=dt.UTC)


def _entry(tag: str, position: int, *, minutes: float = 0, actor: str = "user:7", who: str = "Dr. Vale (clinician)",
           outcome: str = "success", own: bool = False, purpose: str = "TREAT") -> AccessEntry:
    return AccessEntry(at=T0 + dt.timedelta(minutes=minutes), who=who, what=access_history.what_of(tag),
                       why=access_history.WHY.get(purpose, purpose), outcome=outcome, tag=tag, position=position,
                       leaf_hash="", proof=[], actor=actor, purpose=purpose, own=own)


def _newest_first(*entries: AccessEntry) -> list[AccessEntry]:
    return sorted(entries, key=lambda e: e.position, reverse=True)


# ----------------------------------------------------------------------------- visits


def test_a_chart_opening_is_one_visit_naming_the_parts_looked_at() -> None:
    visits = group_visits(_newest_first(
        _entry("record:client:read", 10), _entry("record:plan:read", 11, minutes=0.1),
        _entry("record:appointments:listed", 12, minutes=0.1), _entry("access:careteam:read", 13, minutes=0.2)))
    assert len(visits) == 1
    assert visits[0].summary == "opened your chart: plan, sessions, care team"
    assert visits[0].at == T0 and [e.position for e in visits[0].entries] == [10, 11, 12, 13]


def test_visits_split_by_person_purpose_time_and_refusal() -> None:
    visits = group_visits(_newest_first(
        _entry("record:client:read", 1), _entry("record:plan:read", 2, minutes=45),
        _entry("record:plan:read", 3, minutes=46, actor="user:8", who="Olga (owner)", purpose="HOPERAT"),
        _entry("access:client:denied", 4, minutes=47, actor="user:8", who="Olga (owner)", outcome="denied",
               purpose="HOPERAT"),
        _entry("record:note:read", 5, minutes=48, purpose="ETREAT")))
    assert [v.entries[0].position for v in visits] == [5, 4, 3, 2, 1]
    assert visits[1].refused and not visits[2].refused
    assert visits[2].why == "running the practice"


def test_a_visit_that_did_things_says_what_it_did_and_what_it_looked_at() -> None:
    text = summarize([_entry("record:client:read", 1), _entry("disclosure:emergency:drafted", 2),
                      _entry("disclosure:emergency:read", 3), _entry("disclosure:emergency:made", 4)])
    assert text == ("opened your chart and documented a disclosure required by law or an emergency; "
                    "recorded a disclosure required by law or an emergency; "
                    "looked at a disclosure required by law or an emergency")


def test_a_tag_nobody_described_yet_is_grouped_by_its_own_words() -> None:
    # Another area adds its tags; the history groups them without a change here (a fictional area).
    entries = [_entry("groupwork:session:joined", 1), _entry("groupwork:waiting_room:read", 2)]
    assert summarize(entries) == "groupwork session joined; looked at waiting room"
    view = present(AccessHistory("", 0, _newest_first(*entries)))
    assert [(k.value, k.label) for k in view.kinds] == [("groupwork", "Groupwork")]


def test_the_clients_own_actions_are_folded_away_and_filters_choose_person_and_kind() -> None:
    entries = _newest_first(
        _entry("record:client:read", 1), _entry("consent:document:signed", 2, minutes=5, actor="user:9",
                                                who="You", own=True, purpose="PATREQT"),
        _entry("disclosure:court_request:created", 3, minutes=50))
    history = AccessHistory("", 0, entries)
    folded = present(history)
    assert folded.own_hidden == 1 and all(not v.own for v in folded.visits)
    assert len(present(history, show_own=True).visits) == 3
    assert [v.entries[0].tag for v in present(history, who="user:9").visits] == ["consent:document:signed"]
    by_kind = present(history, kind="disclosure")
    assert [v.summary for v in by_kind.visits] == ["recorded a court order or subpoena for your records"]
    assert by_kind.filtered_out == 2
    assert present(history, who="nobody").visits == []


# ----------------------------------------------------------------------------- who sees what, and why


@pytest.fixture
def chart(client_record: Client, bob: Person, dana: Person) -> Client:
    vault = vault_of(bob)
    records.grant_access(vault, client_record.public_id, user_id=dana.user.pk, role="front_desk", clinical=False)
    care.get_treatment_plan(vault, client_record.public_id)
    with transaction.atomic():
        audit_services.record_event(Tag.COURT_REQUEST_CREATED, actor_id=f"user:{bob.user.pk}",
                                    purpose=PurposeOfUse.LEGAL, outcome=Outcome.SUCCESS,
                                    client_id=str(client_record.public_id))
        audit_services.record_event(Tag.ACCESS_DENIED, actor_id=f"user:{dana.user.pk}",
                                    purpose=PurposeOfUse.TREATMENT, outcome=Outcome.DENIED,
                                    client_id=str(client_record.public_id))
    return client_record


def test_front_desk_see_only_administrative_entries(chart: Client, dana: Person) -> None:
    history = access_history.access_history(vault_of(dana), chart.public_id)
    tags = {e.tag for e in history.entries}
    assert tags and tags <= access_history.ADMINISTRATIVE_TAGS
    assert "disclosure:court_request:created" not in tags and "record:plan:read" not in tags
    assert history.withheld >= 3


def test_the_care_team_see_the_clinical_entries_but_not_refusals(chart: Client, bob: Person) -> None:
    tags = {e.tag for e in access_history.access_history(vault_of(bob), chart.public_id).entries}
    assert {"disclosure:court_request:created", "record:plan:read"} <= tags
    assert "access:client:denied" not in tags


def test_the_owner_sees_refused_attempts(chart: Client, alice: Person) -> None:
    entries = access_history.access_history(vault_of(alice), chart.public_id).entries
    denied = [e for e in entries if e.tag == "access:client:denied"]
    assert denied and denied[0].outcome == "denied" and "refused" in denied[0].what


def test_someone_outside_the_practice_or_the_team_is_not_found(chart: Client, carol: Person,
                                                                charlie: Person) -> None:
    from confide.records.errors import NotFoundError

    for person in (carol, charlie):
        with pytest.raises(NotFoundError):
            access_history.access_history(vault_of(person), chart.public_id)


def test_the_owners_reads_outside_the_care_team_are_for_running_the_practice(client_record: Client, alice: Person,
                                                                             bob: Person) -> None:
    records.get_client(vault_of(alice), client_record.public_id)
    records.get_client(vault_of(bob), client_record.public_id)
    reads = [decode_entry(bytes(e)) for e in LogEntry.objects.filter(tag="record:client:read").order_by("position")
             .values_list("entry", flat=True)]
    by_actor = {event.actor_id: event.purpose for event in reads}
    assert by_actor[f"user:{alice.user.pk}"] == PurposeOfUse.OPERATIONS.value
    assert by_actor[f"user:{bob.user.pk}"] == PurposeOfUse.TREATMENT.value
    history = access_history.access_history(vault_of(bob), client_record.public_id)
    owner_read = next(e for e in history.entries
                      if e.actor == f"user:{alice.user.pk}" and e.tag == "record:client:read")
    assert owner_read.why == "running the practice"


# ----------------------------------------------------------------------------- pages


def test_every_entry_is_reachable_page_by_page_through_the_api(client_record: Client, bob: Person,
                                                                relaxed: object) -> None:
    vault = vault_of(bob)
    for _ in range(6):
        care.get_treatment_plan(vault, client_record.public_id)
    headers = {"Authorization": f"Bearer {token_of(bob)}"}
    url = f"/api/v1/clients/{client_record.public_id}/access-log"
    body = Browser().get(f"{url}?limit=3", headers=headers).json()
    newest = body["entries"][0]["leaf_index"]
    seen = [e["leaf_index"] for e in body["entries"]]
    while body["next_before"] is not None:
        body = Browser().get(f"{url}?limit=3&before={body['next_before']}", headers=headers).json()
        seen.extend(e["leaf_index"] for e in body["entries"])
    expected = list(LogEntry.objects.filter(client_id=str(client_record.public_id), position__lte=newest)
                    .order_by("-position").values_list("position", flat=True))
    assert seen == expected


def test_a_censored_older_page_is_refused_and_bad_cursors_are_a_clear_error(client_record: Client, bob: Person,
                                                                           relaxed: object) -> None:
    vault = vault_of(bob)
    for _ in range(6):
        care.get_treatment_plan(vault, client_record.public_id)
    headers = {"Authorization": f"Bearer {token_of(bob)}"}
    url = f"/api/v1/clients/{client_record.public_id}/access-log"
    first = Browser().get(f"{url}?limit=2", headers=headers).json()
    older = first["next_before"]
    victim = LogEntry.objects.filter(client_id=str(client_record.public_id), position__lt=older).order_by(
        "-position").values_list("position", flat=True)[1]
    LogEntry.objects.filter(position=victim).update(client_id="")
    assert Browser().get(f"{url}?limit=2&before={older}", headers=headers).status_code == 409
    for query in ("limit=0", "limit=5000", "before=-1", "before=abc", f"before={10**9}"):
        assert Browser().get(f"{url}?{query}", headers=headers).status_code in (400, 422), query
    other = LogEntry.objects.exclude(client_id=str(client_record.public_id)).order_by("position").first()
    assert other is not None
    assert Browser().get(f"{url}?before={other.position}", headers=headers).status_code == 400


def test_the_staff_page_shows_visits_and_older_pages(client_record: Client, bob: Person, relaxed: object,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.accounts.test_signin import sign_in

    monkeypatch.setattr(access_history, "DEFAULT_PAGE", 3)
    vault = vault_of(bob)
    records.get_client(vault, client_record.public_id)
    care.get_treatment_plan(vault, client_record.public_id)
    care.get_treatment_plan(vault, client_record.public_id)
    http = Browser()
    sign_in(http, bob.email, bob.password)
    page = http.get(f"/clients/{client_record.public_id}/access-log/").content.decode()
    assert "Show older entries" in page
    older = page.split('href="?before=')[1].split('"')[0]
    second = http.get(f"/clients/{client_record.public_id}/access-log/?before={older}")
    assert second.status_code == 200 and "Newest entries" in second.content.decode()
    assert http.get(f"/clients/{client_record.public_id}/access-log/?before=x").status_code == 400
    assert "Quastenbrook" not in page and "Wilhelmina" not in page


def test_a_censored_history_is_not_shown_on_the_staff_page(client_record: Client, bob: Person,
                                                           relaxed: object) -> None:
    from tests.accounts.test_signin import sign_in

    records.get_client(vault_of(bob), client_record.public_id)
    victim = LogEntry.objects.filter(client_id=str(client_record.public_id)).order_by("position").first()
    assert victim is not None
    LogEntry.objects.filter(position=victim.position).update(client_id="")
    http = Browser()
    sign_in(http, bob.email, bob.password)
    response = http.get(f"/clients/{client_record.public_id}/access-log/")
    assert response.status_code == 409 and b"did not pass its integrity check" in response.content
    with pytest.raises(LogIntegrityError):
        access_history.access_history(vault_of(bob), client_record.public_id)


def test_reading_the_history_is_logged_with_the_readers_purpose(client_record: Client, alice: Person,
                                                                bob: Person) -> None:
    access_history.access_history(vault_of(alice), client_record.public_id)
    access_history.access_history(vault_of(bob), client_record.public_id)
    reads = {event.actor_id: event.purpose for event in (
        decode_entry(bytes(e)) for e in LogEntry.objects.filter(tag="audit:log:read").values_list("entry", flat=True))}
    assert reads[f"user:{alice.user.pk}"] == PurposeOfUse.OPERATIONS.value
    assert reads[f"user:{bob.user.pk}"] == PurposeOfUse.TREATMENT.value
