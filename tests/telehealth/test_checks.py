"""The TURN settings are checked at start-up."""

from __future__ import annotations

from django.test import override_settings

from confide.telehealth.checks import check_turn_settings


def ids(**settings: object) -> list[str]:
    with override_settings(**settings):
        return [message.id or "" for message in check_turn_settings()]


def test_good_settings_pass() -> None:
    assert ids(CONFIDE_STUN_URLS=["stun:turn.example.org:3478"],
               CONFIDE_TURN_URLS=["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
               CONFIDE_TURN_SECRET="a" * 64, MODE="production") == []
    assert ids(CONFIDE_STUN_URLS=[], CONFIDE_TURN_URLS=[], CONFIDE_TURN_SECRET="", MODE="production") == []


def test_a_url_of_another_kind_is_refused() -> None:
    assert ids(CONFIDE_STUN_URLS=["https://stun.example.org"], CONFIDE_TURN_URLS=[],
               CONFIDE_TURN_SECRET="") == ["confide.telehealth.E001"]
    assert ids(CONFIDE_STUN_URLS=[], CONFIDE_TURN_URLS=["stun:turn.example.org"],
               CONFIDE_TURN_SECRET="a" * 64) == ["confide.telehealth.E001"]


def test_a_turn_server_without_a_secret_is_a_warning_and_a_short_secret_an_error_in_production() -> None:
    assert ids(CONFIDE_STUN_URLS=[], CONFIDE_TURN_URLS=["turn:t.example.org"], CONFIDE_TURN_SECRET="") == [
        "confide.telehealth.W001"]
    assert ids(CONFIDE_STUN_URLS=[], CONFIDE_TURN_URLS=["turn:t.example.org"], CONFIDE_TURN_SECRET="short",
               MODE="production") == ["confide.telehealth.E002"]
    assert ids(CONFIDE_STUN_URLS=[], CONFIDE_TURN_URLS=["turn:t.example.org"], CONFIDE_TURN_SECRET="short",
               MODE="test") == []
