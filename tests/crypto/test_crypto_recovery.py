"""The practice recovery kit: k of n printed shares recover the recovery key."""

from __future__ import annotations

import dataclasses
import itertools
import re

import pytest

from confide.crypto import (
    RecoveryError,
    RecoveryKit,
    RecoveryShareError,
    Scope,
    ScopeKey,
    SealContext,
    WrapContext,
    combine_recovery_shares,
    create_recovery_kit,
    open_field,
    open_recovery_private_key,
    parse_recovery_share,
    seal_field,
    unsafe_serialize_private_key,
    unwrap_key,
    wrap_key_to,
)
from confide.crypto.recovery import _combine_shares, _open_with_secret

KIT = create_recovery_kit(3, 5)
OTHER_KIT = create_recovery_kit(3, 5)
SHARE_RE = re.compile(r"CONFIDE-RECOVERY-1 3-of-5 #[1-5]( [A-Z2-7]{4}){16}")


def recovered_public_key_matches(kit: RecoveryKit, shares: list[str]) -> bool:
    """Return whether the shares open the kit's private key and it matches the public key."""
    private_key = open_recovery_private_key(kit.encrypted_private_key, shares)
    return private_key.public_key() == kit.public_key


def test_shares_are_printable_lines_with_threshold_and_number() -> None:
    assert len(KIT.shares) == 5
    for number, share in enumerate(KIT.shares, start=1):
        assert SHARE_RE.fullmatch(share), share
        assert f" #{number} " in share


@pytest.mark.parametrize("chosen", list(itertools.combinations(range(5), 3)))
def test_any_three_of_five_shares_recover_the_key(chosen: tuple[int, ...]) -> None:
    assert recovered_public_key_matches(KIT, [KIT.shares[i] for i in chosen])


def test_shares_in_any_order_recover_the_key() -> None:
    assert recovered_public_key_matches(KIT, [KIT.shares[4], KIT.shares[0], KIT.shares[2]])


@pytest.mark.parametrize("count", [4, 5])
def test_more_shares_than_needed_also_recover_the_key(count: int) -> None:
    assert recovered_public_key_matches(KIT, list(KIT.shares[:count]))


def test_every_subset_combines_to_the_same_32_byte_secret() -> None:
    secrets = {
        combine_recovery_shares([KIT.shares[i] for i in chosen])
        for chosen in itertools.combinations(range(5), 3)
    }
    assert len(secrets) == 1
    assert len(secrets.pop()) == 32


def test_two_shares_of_a_three_share_kit_are_refused_with_a_clear_error() -> None:
    with pytest.raises(RecoveryError, match="needs 3 shares to recover; 2 given"):
        open_recovery_private_key(KIT.encrypted_private_key, list(KIT.shares[:2]))


@pytest.mark.parametrize("chosen", list(itertools.combinations(range(5), 2)))
def test_two_shares_combined_anyway_do_not_open_the_key(chosen: tuple[int, ...]) -> None:
    # Shamir alone cannot tell that shares are missing; the AEAD tag must.
    shares = [parse_recovery_share(KIT.shares[i]) for i in chosen]
    wrong_secret = _combine_shares(shares)
    with pytest.raises(RecoveryError, match="did not recover this kit's key"):
        _open_with_secret(KIT.encrypted_private_key, wrong_secret)


def test_shares_relabelled_as_two_of_five_do_not_open_the_key() -> None:
    # Someone rewrites two genuine shares as a 2-of-5 kit, with valid checksums.
    forged = [
        dataclasses.replace(parse_recovery_share(share), threshold=2).to_text()
        for share in KIT.shares[:2]
    ]
    with pytest.raises(RecoveryError, match="did not recover this kit's key"):
        open_recovery_private_key(KIT.encrypted_private_key, forged)


def test_shares_from_two_kits_are_refused() -> None:
    mixed = [KIT.shares[0], KIT.shares[1], OTHER_KIT.shares[2]]
    with pytest.raises(RecoveryError, match=r"different recovery kits.*share 3"):
        open_recovery_private_key(KIT.encrypted_private_key, mixed)


def test_shares_of_another_kit_are_refused_for_this_key() -> None:
    with pytest.raises(RecoveryError, match=f"belongs to kit {KIT.kit_id}"):
        open_recovery_private_key(KIT.encrypted_private_key, list(OTHER_KIT.shares[:3]))


def test_a_share_entered_twice_is_refused() -> None:
    shares = [KIT.shares[0], KIT.shares[1], KIT.shares[0]]
    with pytest.raises(RecoveryError, match="share #1 was entered more than once"):
        open_recovery_private_key(KIT.encrypted_private_key, shares)


def test_a_mistyped_character_is_caught_and_the_share_named() -> None:
    share = KIT.shares[2]
    position = share.rindex(" ") + 1
    replacement = "A" if share[position] != "A" else "B"
    typo = share[:position] + replacement + share[position + 1 :]
    with pytest.raises(RecoveryShareError, match=r"share 2 entered: share #3 fails its checksum"):
        open_recovery_private_key(KIT.encrypted_private_key, [KIT.shares[0], typo, KIT.shares[3]])


def test_every_single_character_substitution_in_the_code_is_caught() -> None:
    share = KIT.shares[0]
    code_start = len("CONFIDE-RECOVERY-1 3-of-5 #1 ")
    for position in range(code_start, len(share)):
        if share[position] == " ":
            continue
        replacement = "Z" if share[position] != "Z" else "Y"
        typo = share[:position] + replacement + share[position + 1 :]
        with pytest.raises(RecoveryShareError, match="fails its checksum"):
            parse_recovery_share(typo)


def test_a_changed_share_number_is_caught() -> None:
    typo = KIT.shares[0].replace(" #1 ", " #2 ")
    with pytest.raises(RecoveryShareError, match="share #2 fails its checksum"):
        parse_recovery_share(typo)


def test_shares_are_read_leniently() -> None:
    share = KIT.shares[1]
    prefix, code = share[: share.index("#2 ") + 3], share[share.index("#2 ") + 3 :]
    sloppy = "  " + prefix.lower() + code.lower().replace(" ", "-") + "\n"
    lookalikes = prefix + code.replace("O", "0").replace("I", "1").replace("B", "8")
    assert parse_recovery_share(sloppy) == parse_recovery_share(share)
    assert parse_recovery_share(lookalikes) == parse_recovery_share(share)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "starts with 'CONFIDE-RECOVERY-1'"),
        ("hello world", "starts with 'CONFIDE-RECOVERY-1'"),
        ("CONFIDE-RECOVERY-2 3-of-5 #1 AAAA", "unsupported recovery kit version"),
        ("CONFIDE-RECOVERY-1 3-of-5 #1", "expected 'CONFIDE-RECOVERY-1 <k>-of-<n>"),
        ("CONFIDE-RECOVERY-1 three #1 AAAA", "expected 'CONFIDE-RECOVERY-1 <k>-of-<n>"),
        ("CONFIDE-RECOVERY-1 1-of-5 #1 AAAA", "says 1-of-5, which no kit uses"),
        ("CONFIDE-RECOVERY-1 3-of-5 #6 AAAA", "out of range for a 3-of-5 kit"),
        ("CONFIDE-RECOVERY-1 3-of-5 #1 AAAA", "has 4 characters; it should have 64"),
        ("CONFIDE-RECOVERY-1 3-of-5 #1 " + "A" * 63 + "9", "outside A-Z and 2-7"),
    ],
)
def test_malformed_share_text_gets_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(RecoveryShareError, match=re.escape(message)):
        parse_recovery_share(text)


def test_errors_never_echo_the_share_code() -> None:
    share = KIT.shares[0]
    typo = share[:-1] + ("A" if share[-1] != "A" else "B")
    with pytest.raises(RecoveryShareError) as caught:
        parse_recovery_share(typo)
    assert share.split()[-1] not in str(caught.value)


def test_no_shares_are_refused() -> None:
    with pytest.raises(RecoveryError, match="no recovery shares"):
        open_recovery_private_key(KIT.encrypted_private_key, [])


def test_a_single_string_is_not_mistaken_for_a_list_of_shares() -> None:
    with pytest.raises(TypeError):
        combine_recovery_shares(KIT.shares[0])


def test_a_damaged_encrypted_key_is_reported() -> None:
    blob = bytearray(KIT.encrypted_private_key)
    blob[-1] ^= 0x01
    with pytest.raises(RecoveryError, match="did not recover"):
        open_recovery_private_key(bytes(blob), list(KIT.shares[:3]))
    with pytest.raises(RecoveryError, match="damaged"):
        open_recovery_private_key(KIT.encrypted_private_key[:12], list(KIT.shares[:3]))


@pytest.mark.parametrize(("threshold", "share_count"), [(1, 3), (4, 3), (0, 0), (2, 256)])
def test_impossible_thresholds_are_refused(threshold: int, share_count: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        create_recovery_kit(threshold, share_count)


def test_the_smallest_and_a_wide_kit_work() -> None:
    small = create_recovery_kit(2, 2)
    assert recovered_public_key_matches(small, list(small.shares))
    wide = create_recovery_kit(2, 255)
    assert recovered_public_key_matches(wide, [wide.shares[0], wide.shares[254]])
    assert wide.shares[254].startswith("CONFIDE-RECOVERY-1 2-of-255 #255 ")


def test_the_kit_repr_shows_no_shares() -> None:
    text = repr(KIT)
    assert all(share.split()[-1] not in text for share in KIT.shares)
    assert KIT.kit_id in text


def test_three_trustees_recover_a_departed_clinicians_client() -> None:
    # Bob, the client's therapist, leaves and his private key is gone. His
    # scope key was also wrapped to the practice recovery key, so three
    # trustees with their paper shares can still open the progress note.
    scope_key = ScopeKey.generate()
    note_context = SealContext(
        "practice-1", "client-dana", "progress_note", "note-9", "body", 1, Scope.CLINICAL
    )
    note = seal_field(scope_key, b"Dana reports fewer panic attacks.", note_context)
    wrap_context = WrapContext("practice-1", "client-dana", Scope.CLINICAL, "recovery")
    recovery_wrap = wrap_key_to(KIT.public_key, scope_key, wrap_context)

    recovery_key = open_recovery_private_key(
        KIT.encrypted_private_key, [KIT.shares[3], KIT.shares[1], KIT.shares[4]]
    )
    recovered_scope_key = unwrap_key(recovery_key, recovery_wrap, wrap_context)
    assert open_field(recovered_scope_key, note, note_context) == (
        b"Dana reports fewer panic attacks."
    )
    assert unsafe_serialize_private_key(recovery_key) != b""
