"""Asking the configured witnesses to cosign the log's checkpoints (CONFIDE_AUDIT_WITNESSES).

Each witness is asked with a tlog-witness `add-checkpoint` request carrying a consistency proof
from the newest checkpoint it cosigned for us (kept in `audit_cosignature`; when we do not know
it, the witness's 409 answer tells us its size). A cosignature that verifies against the
witness's configured key is stored; a refusal is returned to the caller and logged: a witness
holding a larger checkpoint than our log (the database was rolled back or truncated) or refusing
the proof (the log forked) is exactly what it is there to catch (docs/adr/0014-checkpoints-and-witnesses.md).
"""

from __future__ import annotations

import http.client
import logging
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from confide.audit.models import Cosignature as StoredCosignature
from confide.audit.proofs import consistency_between
from confide.auditlog import (
    AuditFormatError,
    AuditLogError,
    Cosignature,
    NoteVerifier,
    SignatureError,
    SignedTreeHead,
    parse_note,
    verify_cosignature,
)
from confide.auditlog.witnessing import AddCheckpoint

__all__ = ["WitnessAnswer", "configured_witnesses", "request_cosignatures"]

logger = logging.getLogger(__name__)
_TIMEOUT = 5


@dataclass(frozen=True)
class WitnessAnswer:
    """What one witness answered: cosigned, or refused with its HTTP status and reason."""

    witness: str
    cosigned: bool
    status: int
    reason: str


def configured_witnesses() -> list[tuple[str, NoteVerifier]]:
    """The (URL, cosigner key) of every witness in `CONFIDE_AUDIT_WITNESSES`; `ValueError` if malformed."""
    witnesses = []
    for item in settings.CONFIDE_AUDIT_WITNESSES:
        url, _, vkey = item.strip().partition(" ")
        try:
            verifier = NoteVerifier.from_text(vkey.strip())
        except AuditFormatError as exc:
            raise ValueError(f"CONFIDE_AUDIT_WITNESSES: {exc}") from None
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("CONFIDE_AUDIT_WITNESSES: each entry is 'URL VKEY' with an http(s) URL")
        witnesses.append((url, verifier))
    return witnesses


def _post(url: str, body: str) -> tuple[int, str]:
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=_TIMEOUT)
    try:
        connection.request("POST", parts.path or "/add-checkpoint", body=body.encode("utf-8"))
        response = connection.getresponse()
        return response.status, response.read(64 * 1024).decode("utf-8", "replace")
    finally:
        connection.close()


def _ask(url: str, verifier: NoteVerifier, head: SignedTreeHead) -> WitnessAnswer:
    last = StoredCosignature.objects.filter(witness=verifier.name).order_by("-size").first()
    old_size = 0 if last is None else last.size
    for _attempt in range(2):
        if old_size > head.size:
            reason = (
                f"the witness holds a checkpoint of size {old_size}, larger than the log ({head.size}): "
                "the log was rolled back or truncated"
            )
            return WitnessAnswer(verifier.name, False, 409, reason)
        proof = consistency_between(old_size, head) if old_size else []
        status, text = _post(url, AddCheckpoint(old_size, tuple(proof), head.to_text()).to_text())
        if status == 409 and text.strip().isdigit() and int(text.strip()) != old_size:
            old_size = int(text.strip())
            continue
        if status != 200:
            return WitnessAnswer(verifier.name, False, status, text.strip()[:200])
        note = parse_note(head.to_text().rstrip("\n") + "\n" + text)
        for signature in note.signatures:
            if verifier.matches(signature):
                cosignature = Cosignature.from_note_signature(signature)
                verify_cosignature(head.checkpoint(), verifier, cosignature)
                StoredCosignature.objects.create(
                    witness=verifier.name, size=head.size, root_hash=head.root_hash,
                    checkpoint=head.to_text() + signature.line(),
                    cosigned_at=datetime.fromtimestamp(cosignature.timestamp, tz=UTC),
                )  # fmt: skip
                return WitnessAnswer(verifier.name, True, 200, "cosigned")
        return WitnessAnswer(verifier.name, False, status, "the answer holds no cosignature by this witness")
    return WitnessAnswer(verifier.name, False, 409, "the witness's size kept changing")


def request_cosignatures(head: SignedTreeHead) -> list[WitnessAnswer]:
    """Ask every configured witness to cosign `head`; store the cosignatures; return the answers."""
    answers = []
    for url, verifier in configured_witnesses():
        try:
            answer = _ask(url, verifier, head)
        except (OSError, http.client.HTTPException) as exc:
            answer = WitnessAnswer(verifier.name, False, 0, f"unreachable ({type(exc).__name__})")
        except (AuditLogError, LookupError, ValueError, SignatureError) as exc:
            answer = WitnessAnswer(verifier.name, False, 0, f"bad answer ({exc})")
        if not answer.cosigned:
            logger.warning("Audit witness %s refused the checkpoint of size %s: %s", answer.witness, head.size,
                           answer.reason)  # fmt: skip
        answers.append(answer)
    return answers
