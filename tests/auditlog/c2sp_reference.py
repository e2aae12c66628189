"""An independent reader of C2SP signed notes, checkpoints, cosignatures and RFC 6962 proofs.

Written from the specs (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature, tlog-witness and
RFC 6962 / RFC 9162 §2.1.4), NOT from Confide's code: it imports nothing of ``confide``, so a
test that checks Confide's output with it checks Confide against the specs. Only the Ed25519
primitive comes from pyca/cryptography.
"""

from __future__ import annotations

import base64
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DASH = "\u2014"


class RejectedError(Exception):
    """The input does not verify or does not follow the spec."""


def b64decode_strict(text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise RejectedError("non-canonical base64")
    return raw


def key_hash(name: str, sig_type: int, public_key: bytes) -> bytes:
    # signed-note: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]
    return hashlib.sha256(name.encode("utf-8") + b"\x0a" + bytes([sig_type]) + public_key).digest()[:4]


def parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """name+hex8+base64(type || key) -> (name, key hash, type, key)."""
    name, hash_hex, blob = vkey.split("+", 2)
    raw = base64.b64decode(blob)
    return name, bytes.fromhex(hash_hex), raw[0], raw[1:]


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Return (text, [(name, raw signature bytes incl. 4-byte key id)])."""
    for ch in note:
        if ord(ch) < 0x20 and ch != "\n":
            raise RejectedError("control character")
    if not note.endswith("\n"):
        raise RejectedError("no final newline")
    cut = note.rindex("\n\n")  # the text is separated from the signatures by the last blank line
    text, sig_block = note[: cut + 1], note[cut + 2 :]
    sigs = []
    for line in sig_block.splitlines():
        if not line.startswith(DASH + " "):
            raise RejectedError("bad signature line")
        name, blob = line[2:].split(" ")
        sigs.append((name, b64decode_strict(blob)))
    if not sigs:
        raise RejectedError("no signatures")
    return text, sigs


def open_note(note: str, vkey: str) -> str:
    """Verify a note signed by an Ed25519 (type 0x01) key; return its text."""
    name, khash, sig_type, public = parse_vkey(vkey)
    if sig_type != 0x01 or key_hash(name, 0x01, public) != khash:
        raise RejectedError("bad vkey")
    text, sigs = split_note(note)
    found = False
    for signame, raw in sigs:
        if signame == name and raw[:4] == khash:
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text.encode("utf-8"))
            except InvalidSignature:
                raise RejectedError("signature does not verify") from None
            found = True
    if not found:
        raise RejectedError("no signature from the key")
    return text


def read_checkpoint(text: str) -> tuple[str, int, bytes]:
    lines = text.split("\n")
    assert lines[-1] == ""
    origin, size_line, root_line = lines[0], lines[1], lines[2]
    if not origin or (size_line != "0" and (size_line.startswith("0") or not size_line.isdigit())):
        raise RejectedError("bad checkpoint")
    root = b64decode_strict(root_line)
    if len(root) != 32:
        raise RejectedError("bad root")
    return origin, int(size_line), root


def check_cosignature(note: str, cosigner_vkey: str) -> int:
    """Verify a tlog-cosignature/v1 on a checkpoint note; return its timestamp."""
    name, khash, sig_type, public = parse_vkey(cosigner_vkey)
    if sig_type != 0x04 or key_hash(name, 0x04, public) != khash:
        raise RejectedError("bad cosigner vkey")
    text, sigs = split_note(note)
    for signame, raw in sigs:
        if signame == name and raw[:4] == khash:
            if len(raw) != 4 + 8 + 64:
                raise RejectedError("bad cosignature length")
            (timestamp,) = struct.unpack(">Q", raw[4:12])
            message = b"cosignature/v1\n" + b"time " + str(timestamp).encode() + b"\n" + text.encode()
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(raw[12:], message)
            except InvalidSignature:
                raise RejectedError("cosignature does not verify") from None
            return timestamp
    raise RejectedError("no cosignature from the key")


# ---------------------------------------------------------------- RFC 6962 / RFC 9162 §2.1.4.2


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes, proof: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2, step by step."""
    if first == second:
        if proof or first_hash != second_hash:
            raise RejectedError("equal sizes need an empty proof and equal roots")
        return
    if first == 0:
        if proof:
            raise RejectedError("a proof from the empty tree must be empty")
        return
    if first > second or not proof:
        raise RejectedError("bad sizes or empty proof")
    path = list(proof)
    if first & (first - 1) == 0:  # first is an exact power of 2
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise RejectedError("proof too long")
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first_hash or sr != second_hash:
        raise RejectedError("consistency proof does not verify")


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        raise RejectedError("index out of range")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise RejectedError("proof too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise RejectedError("inclusion proof does not verify")


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def parse_add_checkpoint_body(body: str) -> tuple[int, list[bytes], str]:
    """tlog-witness add-checkpoint request: 'old N', proof lines, blank line, checkpoint note."""
    head, _, checkpoint = body.partition("\n\n")
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise RejectedError("no old size line")
    return int(lines[0][4:]), [b64decode_strict(line) for line in lines[1:]], checkpoint
