"""C2SP signed notes, checkpoints and cosignatures: the specs' published examples, and Confide's
output checked by an independent implementation written from the specs (tests/auditlog/c2sp_reference.py).

Sources of the vectors:
- signed-note: golang.org/x/mod/sumdb/note (the reference implementation the spec grew from),
  the PeterNeumann key and note in its package documentation and tests.
- tlog-checkpoint, tlog-cosignature, tlog-witness: the examples in the spec texts at c2sp.org.
- cosignature/v1 keys and signatures: transparency-dev/formats note/note_cosigv1_test.go.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from confide.auditlog import (
    AuditEvent,
    AuditFormatError,
    Checkpoint,
    Cosignature,
    MemoryLog,
    NoteVerifier,
    Outcome,
    PurposeOfUse,
    SignatureError,
    SignedTreeHead,
    checkpoint_verifier,
    cosign_checkpoint,
    generate_signing_key,
    parse_checkpoint,
    parse_note,
    signing_key_from_bytes,
    verify_cosignature,
    verify_log,
    verify_note,
    verify_tree_head,
)
from confide.auditlog.notes import ALG_COSIGNATURE_V1, note_key_hash, sign_note_text
from tests.auditlog import c2sp_reference as ref

GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIGNED = (
    GO_TEXT
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgK"
    + "vqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)
SPEC_COSIGNATURE_LINE = (
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZ"
    "qhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
SPEC_ADD_CHECKPOINT = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n" + SPEC_CHECKPOINT
)
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
FORMATS_COSIG = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
)

ORIGIN = "confide.example/audit-log"
WHEN = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def go_private_key():  # type: ignore[no-untyped-def]
    raw = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert raw[0] == 0x01
    return signing_key_from_bytes(raw[1:])


# ----------------------------------------------------------------------------- published examples


def test_the_go_note_vector_verifies_with_confide_and_with_the_reference() -> None:
    verifier = NoteVerifier.from_text(GO_VKEY)
    assert verifier.key_hash.hex() == "c74f20a3"
    assert verifier.to_text() == GO_VKEY
    [(key, _)] = verify_note(parse_note(GO_SIGNED), [verifier])
    assert key is verifier
    assert ref.open_note(GO_SIGNED, GO_VKEY) == GO_TEXT


def test_confide_signs_the_go_note_byte_for_byte() -> None:
    line = sign_note_text(GO_TEXT, "PeterNeumann", go_private_key()).line()
    assert GO_TEXT + "\n" + line == GO_SIGNED


def test_a_changed_go_note_is_rejected() -> None:
    forged = GO_SIGNED.replace("cryptography", "Cryptography")
    with pytest.raises(SignatureError):
        verify_note(parse_note(forged), [NoteVerifier.from_text(GO_VKEY)])
    with pytest.raises(ref.RejectedError):
        ref.open_note(forged, GO_VKEY)


def test_signatures_from_unknown_keys_are_ignored_but_none_known_is_refused() -> None:
    other = NoteVerifier("PeterNeumann", 0x01, bytes(31) + b"\x01")
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        verify_note(parse_note(GO_SIGNED), [other])


def test_the_spec_checkpoint_example_parses() -> None:
    checkpoint, note = parse_checkpoint(SPEC_CHECKPOINT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert base64.b64encode(checkpoint.root_hash).decode() == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    assert note.to_text() == SPEC_CHECKPOINT
    assert ref.read_checkpoint(note.text) == (checkpoint.origin, checkpoint.size, checkpoint.root_hash)


def test_the_spec_cosignature_example_carries_the_spec_timestamp() -> None:
    # tlog-cosignature's example line and its example message ("time 1679315147") belong together.
    note = parse_note(SPEC_CHECKPOINT.rstrip("\n") + "\n" + SPEC_COSIGNATURE_LINE)
    cosig = Cosignature.from_note_signature(note.signatures[1])
    assert cosig.name == "witness.example.com/w1"
    assert cosig.timestamp == 1679315147
    assert len(cosig.signature) == 64


def test_the_transparency_dev_cosignature_vectors() -> None:
    verifier = NoteVerifier.from_text(REMORA_VKEY)
    assert verifier.algorithm == ALG_COSIGNATURE_V1
    assert note_key_hash(verifier.name, ALG_COSIGNATURE_V1, verifier.public_key).hex() == "da77ade7"
    raw = base64.b64decode(FORMATS_COSIG)
    from confide.auditlog import NoteSignature

    cosig = Cosignature.from_note_signature(NoteSignature("x", raw[:4], raw[4:]))
    assert cosig.timestamp == 1727964367


def test_the_spec_add_checkpoint_body_parses_with_the_reference() -> None:
    old, proof, checkpoint = ref.parse_add_checkpoint_body(SPEC_ADD_CHECKPOINT)
    assert (old, len(proof)) == (20852014, 4)
    assert parse_checkpoint(checkpoint)[0].size == 20852163


@pytest.mark.parametrize(
    "bad",
    [
        "no signatures\n",
        "text\n\n- ascii dash sig AAAA\n",
        "text\n\n\u2014 name not+canonical+b64==\n",
        "text\n\n\u2014 na me AAAAAAA=\n",
        "te\x01xt\n\n\u2014 name AAAAAAA=\n",
        "text\n\n\u2014 name AAAA\n",
        "text\n\n\u2014 name AAAAAAA=",
    ],
)
def test_malformed_notes_are_refused(bad: str) -> None:
    with pytest.raises(AuditFormatError):
        parse_note(bad)


@pytest.mark.parametrize(
    "text",
    [
        "origin\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n12\n",
        "origin\n12\nAAAA\n",
        "\n1\nAAAA\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(AuditFormatError):
        Checkpoint.from_text(text)


# ----------------------------------------------------------------------------- Confide's checkpoints


def event(number: int) -> AuditEvent:
    return AuditEvent(
        tag="record:chart:read",
        occurred_at=WHEN,
        actor_id=f"usr_{number}",
        purpose=PurposeOfUse.TREATMENT,
        outcome=Outcome.SUCCESS,
        client_id="cli_alice",
    )


def test_a_confide_checkpoint_verifies_with_the_reference_implementation() -> None:
    key = generate_signing_key()
    log = MemoryLog(key, origin=ORIGIN)
    for number in range(7):
        log.append(event(number), WHEN)
    head = log.latest_head()
    assert head is not None and head.is_checkpoint
    text = head.to_text()
    vkey = checkpoint_verifier(ORIGIN, key.public_key()).to_text()
    body = ref.open_note(text, vkey)
    assert ref.read_checkpoint(body) == (ORIGIN, 7, head.root_hash)
    # And Confide reads its own checkpoint file back to the same head.
    assert SignedTreeHead.from_text(text, [key.public_key()]).message() == head.message()
    verify_tree_head(key.public_key(), SignedTreeHead.from_text(text, [key.public_key()]))


def test_a_checkpoint_file_needs_a_trusted_key_to_be_read() -> None:
    key = generate_signing_key()
    head = MemoryLog(key, origin=ORIGIN)
    head.append(event(1), WHEN)
    latest = head.latest_head()
    assert latest is not None
    with pytest.raises(SignatureError):
        SignedTreeHead.from_text(latest.to_text(), [generate_signing_key().public_key()])


def test_confide_consistency_and_inclusion_proofs_verify_with_the_reference() -> None:
    log = MemoryLog(generate_signing_key(), origin=ORIGIN)
    roots = {}
    for number in range(1, 40):
        log.append(event(number), WHEN)
        head = log.latest_head()
        assert head is not None
        roots[number] = head.root_hash
    for old in (1, 2, 3, 7, 8, 16, 31):
        for new in (old, old + 1, 39):
            ref.verify_consistency(old, new, roots[old], roots[new], log.consistency_proof(old, new))
    entries = [record.entry for record in log.records()]
    for index in (0, 5, 38):
        ref.verify_inclusion(index, 39, ref.leaf_hash(entries[index]), log.inclusion_proof(index), roots[39])
    with pytest.raises(ref.RejectedError):
        ref.verify_consistency(7, 39, roots[8], roots[39], log.consistency_proof(7, 39))


def test_a_log_of_checkpoint_heads_after_v1_heads_verifies() -> None:
    # Old heads stay verifiable: a log whose first rows carry v1 heads and later rows checkpoints.
    key = generate_signing_key()
    log = MemoryLog(key)
    log.append(event(1), WHEN)
    old_head = log.latest_head()
    log._origin = ORIGIN  # the upgrade: later heads are checkpoints
    log.append(event(2), WHEN)
    log.append_batch([event(3), event(4)], WHEN)
    verified = verify_log(log, [old_head] if old_head else [], key.public_key())
    assert verified.size == 4 and verified.latest_head is not None and verified.latest_head.is_checkpoint


def test_a_cosignature_verifies_with_confide_and_with_the_reference() -> None:
    witness = generate_signing_key()
    checkpoint = Checkpoint(ORIGIN, 10, bytes(range(32)))
    cosig = cosign_checkpoint(checkpoint, "witness.example/alice", witness, 1764754200)
    verifier = NoteVerifier("witness.example/alice", ALG_COSIGNATURE_V1, witness.public_key().public_bytes_raw())
    verify_cosignature(checkpoint, verifier, cosig)
    note = checkpoint.text() + "\n" + cosig.note_signature().line()
    assert ref.check_cosignature(note, verifier.to_text()) == 1764754200
    forged = Cosignature(cosig.name, cosig.key_hash, cosig.timestamp + 1, cosig.signature)
    with pytest.raises(SignatureError):
        verify_cosignature(checkpoint, verifier, forged)
    with pytest.raises(ref.RejectedError):
        ref.check_cosignature(checkpoint.text() + "\n" + forged.note_signature().line(), verifier.to_text())
