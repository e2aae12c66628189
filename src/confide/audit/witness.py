"""`confide witness serve`: a small C2SP tlog-witness anyone can run for a practice's audit log.

The owner at home, a partner practice or a professional body runs it on their own machine. It
knows the logs it follows by their verifier keys (`--log ORIGIN+HASH+KEY`, from
`confide audit checkpoint --verifier-key`), keeps in `--state-dir` the newest checkpoint it
verified for each, and answers `POST /add-checkpoint` exactly as c2sp.org/tlog-witness says: it
cosigns (tlog-cosignature/v1, Ed25519) a checkpoint only when a consistency proof shows that it
extends the one it holds, so a rolled-back, truncated or forked log is refused (409/422) and the
refusal is the alarm. It needs no database and no Django; its own key (`witness-key`, mode 0600)
is made on first start and its verifier key is printed then, for the practice to configure.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from confide.auditlog import (
    AuditFormatError,
    Checkpoint,
    NoteVerifier,
    cosign_checkpoint,
    parse_checkpoint,
    signing_key_from_bytes,
    unsafe_signing_key_to_bytes,
)
from confide.auditlog.notes import ALG_COSIGNATURE_V1
from confide.auditlog.witnessing import AddCheckpoint, witness_decision

__all__ = ["Witness", "serve_witness"]

_KEY_FILE = "witness-key"
_NAME_FILE = "witness-name"
_MAX_BODY = 64 * 1024


class Witness:
    """A witness's state: its key and name, the logs it follows, and the newest checkpoint of each."""

    def __init__(self, state_dir: Path, logs: list[NoteVerifier], name: str | None = None) -> None:
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.key = self._load_or_create_key()
        name_file = state_dir / _NAME_FILE
        if name is not None:
            name_file.write_text(name + "\n", encoding="utf-8")
        self.name = name_file.read_text(encoding="utf-8").strip() if name_file.exists() else "confide-witness"
        self.logs: dict[str, list[NoteVerifier]] = {}
        for log in logs:
            self.logs.setdefault(log.name, []).append(log)
        self._lock = threading.Lock()

    def _load_or_create_key(self) -> Ed25519PrivateKey:
        path = self.state_dir / _KEY_FILE
        if path.exists():
            return signing_key_from_bytes(base64.b64decode(path.read_text(encoding="ascii").strip()))
        key = Ed25519PrivateKey.generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(unsafe_signing_key_to_bytes(key)).decode() + "\n")
        return key

    @property
    def verifier(self) -> NoteVerifier:
        """This witness's cosigner verifier key (type 0x04), for the logs that ask it to cosign."""
        return NoteVerifier(self.name, ALG_COSIGNATURE_V1, self.key.public_key().public_bytes_raw())

    def _state_path(self, origin: str) -> Path:
        return self.state_dir / f"log-{hashlib.sha256(origin.encode()).hexdigest()[:32]}.checkpoint"

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        """The (size, root) of the newest checkpoint cosigned for `origin`, if any."""
        path = self._state_path(origin)
        if not path.exists():
            return None
        checkpoint, _ = parse_checkpoint(path.read_text(encoding="utf-8"))
        return checkpoint.size, checkpoint.root_hash

    def add_checkpoint(self, body: str, now: int) -> tuple[int, str, str]:
        """Handle an add-checkpoint body; return (status, content type, response body)."""
        try:
            request = AddCheckpoint.from_text(body)
            origin = Checkpoint.from_text(request.checkpoint_note.split("\n\n")[0] + "\n").origin
        except AuditFormatError as exc:
            return 400, "text/plain; charset=utf-8", f"{exc}\n"
        with self._lock:  # checking the old size and storing the new checkpoint happen atomically
            latest = self.latest(origin)
            decision = witness_decision(request, self.logs.get(origin), latest)
            if decision.status == 409 and "latest checkpoint has size" in decision.reason:
                return 409, "text/x.tlog.size", f"{0 if latest is None else latest[0]}\n"
            if decision.status != 200 or decision.checkpoint is None or decision.note is None:
                return decision.status, "text/plain; charset=utf-8", decision.reason + "\n"
            path = self._state_path(origin)
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
            with temporary.open("x", encoding="utf-8") as handle:
                handle.write(decision.note.to_text())
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(path)
        cosignature = cosign_checkpoint(decision.checkpoint, self.name, self.key, now)
        return 200, "text/plain; charset=utf-8", cosignature.note_signature().line()


def _handler(witness: Witness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, content_type: str, body: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.path != "/add-checkpoint":
                self._answer(404, "text/plain; charset=utf-8", "not found\n")
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= _MAX_BODY:
                self._answer(400, "text/plain; charset=utf-8", "a body of at most 64 KiB is needed\n")
                return
            try:
                body = self.rfile.read(length).decode("utf-8")
            except UnicodeDecodeError:
                self._answer(400, "text/plain; charset=utf-8", "the body is not UTF-8\n")
                return
            self._answer(*witness.add_checkpoint(body, int(time.time())))

        def do_GET(self) -> None:
            self._answer(404, "text/plain; charset=utf-8", "not found\n")

        def log_message(self, format: str, *args: object) -> None:
            # Requests carry checkpoints only (no client data); one line each on standard error.
            sys.stderr.write(f"witness: {self.command} {self.path} {args[1] if len(args) > 1 else ''}\n")

    return Handler


def serve_witness(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """Return the witness's HTTP server bound to host:port (call `serve_forever` on it)."""
    return ThreadingHTTPServer((host, port), _handler(witness))
