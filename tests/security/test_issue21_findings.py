"""Regression tests for the findings of the data-directory theft review (issue 21), 5 to 8.

Findings 1 to 4 are attacked end to end in tests/security/test_stolen_copy.py and the Vastaamo
canary tests. Every test here fails on the code before issue 21.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from confide.audit.models import LogEntry
from confide.oversight.models import Alert
from confide.records import services
from confide.records.errors import RecordError
from confide.records.models import Client, Note
from tests.api.conftest import Api, api_as
from tests.conftest import Person
from tests.records.conftest import client_record, vault_of
from tests.web.test_records_pages import browser_of, erin

__all__ = ["api_as", "client_record", "erin"]  # fixtures

OTHER_PRACTICE_CLIENT = "6f2c1d58-7a77-4f51-9d0c-3a1b6f0e9b11"


def denied_events() -> list[LogEntry]:
    return [e for e in LogEntry.objects.order_by("position") if b"access:client:denied" in bytes(e.entry)]


# ----------------------------------------------------------------------------- finding 5


def test_a_refused_chart_is_audited_as_denied(erin: Person, client_record: Client) -> None:
    browser = browser_of(erin)
    assert browser.get(f"/clients/{client_record.public_id}/").status_code == 404
    [event] = denied_events()
    assert b"denied" in bytes(event.entry) and str(client_record.public_id).encode() in bytes(event.entry)


def test_probing_is_aggregated_and_alerts_the_owner(erin: Person, client_record: Client,
                                                    settings: Any) -> None:
    settings.CONFIDE_ALERT_DENIED_COUNT = 10
    browser = browser_of(erin)
    for _ in range(20):
        assert browser.get(f"/clients/{client_record.public_id}/").status_code == 404
        assert browser.get(f"/clients/{OTHER_PRACTICE_CLIENT}/").status_code == 404
    # 40 refusals: events at the 1st, 2nd, 4th, 8th, 16th and 32nd only.
    assert len(denied_events()) == 6
    [alert] = Alert.objects.filter(kind=Alert.Kind.DENIED)
    assert alert.subject_id == erin.user.pk and alert.count == 10


def test_front_desk_opening_a_note_is_audited_as_denied(dana: Person, bob: Person, client_record: Client) -> None:
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                                body="Slept better.", sign=True)
    browser = browser_of(dana)
    assert browser.get(f"/clients/{client_record.public_id}/notes/{note.public_id}/").status_code == 404
    assert denied_events(), "front desk opening a note left nothing in the log"


# ----------------------------------------------------------------------------- finding 6


@pytest.mark.parametrize("body", ["", "   \n\t  ", "Subjective:\n\nObjective:\n\nAssessment:\n\nPlan:\n"])
def test_the_api_refuses_to_sign_an_empty_note(bob: Person, client_record: Client,
                                               api_as: Callable[[Person], Api], body: str) -> None:
    api = api_as(bob)
    response = api.post(f"/clients/{client_record.public_id}/notes",
                        {"kind": "progress", "session_date": "2026-11-20", "body": body, "sign": True})
    assert response.status_code == 422, response.content  # the API's answer to a RecordError
    assert "Write the note before signing it" in response.json()["detail"]
    assert not Note.objects.filter(client=client_record).exists(), "nothing half-written"


def test_signing_a_draft_that_says_nothing_is_refused(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    draft = services.create_note(vault, client_record.public_id, kind="progress", session_date="2026-11-20",
                                 body="Data:\n\nAssessment:\n\nPlan:\n", template="dap")
    with pytest.raises(RecordError, match="Write the note"):
        services.sign_note(vault, client_record.public_id, draft.public_id, expected_version=draft.version)


def test_a_note_with_words_under_its_headings_signs() -> None:
    from confide.records import validation  # here: the module is new in issue 21

    assert not validation.says_nothing("Subjective:\nSleeping better.\n")
    assert validation.says_nothing("  subjective:  \n\nPLAN:")


# ----------------------------------------------------------------------------- finding 7


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u200d", "Ada\u202eecnalA", "\u2066Brook\u2069", "\ufeffAda"])
def test_invisible_and_bidi_names_are_refused_by_every_face(bob: Person, api_as: Callable[[Person], Api],
                                                            name: str) -> None:
    with pytest.raises(RecordError, match="invisible formatting"):
        services.create_client(vault_of(bob), services.Demographics(given_name=name, family_name="Brook"))
    response = api_as(bob).post("/clients", {"given_name": name, "family_name": "Brook"})
    assert response.status_code == 422, response.content
    assert not Client.objects.exists()


def test_names_are_stored_in_nfc(bob: Person) -> None:
    client = services.create_client(vault_of(bob), services.Demographics(given_name="Zoe\u0301", family_name="Brook"))
    assert services.get_client(vault_of(bob), client.public_id)[1].given_name == "Zo\u00e9"


# ----------------------------------------------------------------------------- finding 8


def test_a_session_date_of_year_one_is_refused(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    response = browser.post(f"/clients/{client_record.public_id}/notes/new",
                            {"kind": "progress", "template": "free", "session_date": "0001-01-01",
                             "body": "Slept better.", "action": "save"})
    assert response.status_code == 400
    assert not Note.objects.filter(client=client_record).exists()
    from confide.records import validation  # here: the module is new in issue 21

    with pytest.raises(RecordError, match="on or after 1900"):
        validation.clean_session_date("1899-12-31")


def test_clinical_text_areas_are_not_spell_checked(bob: Person, client_record: Client) -> None:
    page = browser_of(bob).get(f"/clients/{client_record.public_id}/notes/new").content.decode()
    assert 'spellcheck="true"' not in page and 'spellcheck="false"' in page


def test_the_portal_join_form_states_the_enforced_minimum() -> None:
    from django.conf import settings

    from confide.portal.forms import JoinForm

    [minimum] = [v["OPTIONS"]["min_length"] for v in settings.AUTH_PASSWORD_VALIDATORS
                 if v["NAME"].endswith("MinimumLengthValidator")]
    assert f"At least {minimum} characters" in str(JoinForm().fields["password1"].help_text)


def test_unmatched_paths_are_not_logged_as_typed(db: None) -> None:
    from types import SimpleNamespace

    from confide.serving import RedactingLogger

    logger = RedactingLogger.__new__(RedactingLogger)
    request = SimpleNamespace(method="GET", path="/clients/Wilhelmina Quastenbrook/", query="", uri="",
                              version=(1, 1), headers=[], remote_addr="127.0.0.1")
    response = SimpleNamespace(status="404 Not Found", response_length=0, sent=0, headers=[])
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/clients/Wilhelmina Quastenbrook/", "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/clients/Wilhelmina Quastenbrook/"}
    import datetime as dt

    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=3))
    # `confide serve` logs '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms': the path is U (and r).
    assert "Quastenbrook" not in atoms["U"] and "Quastenbrook" not in atoms["r"], atoms
    routed = logger.atoms(response, SimpleNamespace(**{**vars(request), "path": "/clients/"}),
                          {**environ, "PATH_INFO": "/clients/", "RAW_URI": "/clients/"}, dt.timedelta(milliseconds=3))
    assert routed["U"] == "/clients/"
