"""Release links: sealed under the packet's own key, passcode-protected, expiring, limited attempts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.disclosures import authorizations, packets
from confide.disclosures.authorizations import DisclosureError
from confide.disclosures.models import Authorization, ReleaseLink
from confide.disclosures.packets import LinkUnavailableError, PacketSelection, WrongPasscodeError
from confide.records import services
from confide.records.models import Client
from tests.conftest import Person
from tests.disclosures.conftest import pdf_text
from tests.records.conftest import vault_of


@pytest.fixture
def issued(bob: Person, client_record: Client, authorization: Authorization) -> packets.IssuedLink:
    services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=timezone.localdate(),
                         body="Quokka counting exercise", sign=True)
    packet = packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                                   PacketSelection(categories=("progress_notes",)), delivery="link")
    return packets.create_release_link(vault_of(bob), packet, days=7)


def test_the_right_passcode_opens_the_packet(issued: packets.IssuedLink) -> None:
    pdf = packets.open_release_link(issued.token, issued.passcode.lower().replace("-", " "))
    assert "Quokka counting exercise" in pdf_text(pdf)
    assert LogEntry.objects.filter(tag="disclosure:release_link:opened").count() == 1


def test_nothing_about_the_client_is_stored_in_the_clear(issued: packets.IssuedLink) -> None:
    link = ReleaseLink.objects.get()
    assert issued.token not in link.lookup
    assert b"Quokka" not in bytes(link.packet) and b"%PDF" not in bytes(link.packet)
    assert issued.passcode.replace("-", "") not in link.passcode_hash
    assert link.passcode_hash.startswith("confide_argon2id$"), "Argon2id (ADR 0022)"


def test_the_link_closes_after_the_passcode_limit(issued: packets.IssuedLink) -> None:
    for remaining in (4, 3, 2, 1):
        with pytest.raises(WrongPasscodeError) as caught:
            packets.open_release_link(issued.token, "WRONG-CODE-0000")
        assert caught.value.remaining == remaining
    with pytest.raises(LinkUnavailableError):
        packets.open_release_link(issued.token, "WRONG-CODE-0000")
    with pytest.raises(LinkUnavailableError):
        packets.open_release_link(issued.token, issued.passcode)  # even the right one, now
    assert ReleaseLink.objects.get().failed_attempts == 5
    assert LogEntry.objects.filter(tag="disclosure:release_link:refused").count() == 6


def test_the_link_stops_after_expiry(issued: packets.IssuedLink) -> None:
    ReleaseLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(LinkUnavailableError):
        packets.open_release_link(issued.token, issued.passcode)


def test_revoking_the_authorization_closes_its_links(bob: Person, client_record: Client,
                                                     authorization: Authorization,
                                                     issued: packets.IssuedLink) -> None:
    authorizations.revoke_authorization(vault_of(bob), client_record.public_id, authorization.public_id)
    with pytest.raises(LinkUnavailableError):
        packets.open_release_link(issued.token, issued.passcode)


def test_unknown_and_malformed_tokens_are_unavailable(issued: packets.IssuedLink) -> None:
    other = issued.token[:-2] + ("AA" if not issued.token.endswith("AA") else "BB")
    for token in (other, "short", "", "x" * 43, issued.token + "A"):
        with pytest.raises(LinkUnavailableError):
            packets.open_release_link(token, issued.passcode)


def test_link_lifetime_is_bounded(bob: Person, client_record: Client, authorization: Authorization) -> None:
    services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=timezone.localdate(),
                         body="Fictional.", sign=True)
    packet = packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                                   PacketSelection(categories=("progress_notes",)), delivery="link")
    for days in (0, 31):
        with pytest.raises(DisclosureError, match="between 1 and 30"):
            packets.create_release_link(vault_of(bob), packet, days=days)


def test_the_clients_access_history_names_the_recipient_plainly(bob: Person, client_record: Client,
                                                                issued: packets.IssuedLink) -> None:
    from confide.records.access_history import access_history

    packets.open_release_link(issued.token, issued.passcode)
    entries = access_history(vault_of(bob), client_record.public_id).entries
    opened = next(e for e in entries if e.tag == "disclosure:release_link:opened")
    assert opened.who == "The recipient of a release link"
    assert opened.what == "opened records released to them"


def test_the_token_never_reaches_a_log_line(issued: packets.IssuedLink) -> None:
    from confide.core.redaction import redact_path

    line = f'"GET /release/{issued.token}/ HTTP/1.1" 200'
    assert issued.token not in redact_path(line)
    assert "/release/[redacted]/" in redact_path(line)
