"""The `confide audit` commands: verify the log, print and publish its head, manage the signing key.

`add_audit_commands` is called by `confide.cli.entry.build_parser`. Each `cmd_*` prepares the data
directory and Django, then calls a `run_*` function that does the work and can be tested without
a subprocess. Verification first places committed pending events in the log (ADR 0005); on a
restored backup or a read-only copy that step fails harmlessly and verification only reads.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from confide.audit import fhir, signing
from confide.audit.signing import SigningKeyError, load_signing_key_file, rotate_signing_key, signing_key_path
from confide.audit.witness import Witness, serve_witness
from confide.auditlog import (
    AuditFormatError,
    ConsistencyProofError,
    LogIntegrityError,
    NoteVerifier,
    PurposeOfUse,
    SignatureError,
    SignedTreeHead,
    key_id,
    public_key_from_text,
    public_key_to_bytes,
    public_key_to_text,
    verify_tree_head,
)
from confide.cli.common import CommandError, prepare_data_dir, setup_django

__all__ = [
    "add_audit_commands",
    "add_witness_commands",
    "ensure_signing_key",
    "run_checkpoint",
    "run_consistency",
    "run_export_fhir",
    "run_head",
    "run_publish",
    "run_verify",
]

EXIT_INTACT = 0
EXIT_NOT_INTACT = 1


def _setup(args: argparse.Namespace) -> None:
    prepare_data_dir(args.data_dir, create=False)
    setup_django()


def _command_error(message: str) -> Exception:
    return CommandError(message)


def _read_head_file(path: Path, extra_public_keys: list[bytes]) -> SignedTreeHead:
    """Read a saved checkpoint (or v1 head file); a checkpoint must be signed by a trusted key."""
    # The audit services use models, which load only after _setup() has set Django up.
    from confide.audit import services

    try:
        return services.read_head_text(path.read_text(encoding="utf-8"), extra_public_keys)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise _command_error(f"Cannot read the tree head file {path} ({reason}).") from None
    except AuditFormatError as exc:
        raise _command_error(f"{path} is not a checkpoint or tree head file: {exc}.") from None
    except SignatureError as exc:
        raise _command_error(f"{path}: {exc}.") from None
    except signing.SigningKeyError as exc:
        raise _command_error(f"{exc} Or pass the public key with --public-key.") from None


def _public_key(text: str) -> bytes:
    try:
        return public_key_to_bytes(public_key_from_text(text))
    except AuditFormatError as exc:
        raise _command_error(f"--public-key {text!r} is not a public key: {exc}.") from None


# ----------------------------------------------------------------------------- verify


def run_verify(against: list[Path], public_keys: list[str], out: TextIO) -> int:
    """Verify the stored log; print the outcome; return 0 when intact, 1 when not."""
    # The audit services use models, which load only after _setup() has set Django up.
    from confide.audit import services

    extra = [_public_key(text) for text in public_keys]
    heads = [_read_head_file(path, extra) for path in against]
    try:
        # Place committed events first, so that none is left out of what is verified. On a
        # read-only copy, or without the signing key, this fails and they are reported below.
        services.sequence_pending(wait=True)
    except services.AuditAppendError as exc:
        print(f"Pending events could not be placed in the log: {exc}", file=out)
    try:
        verified = services.verify_stored_log(against=heads, extra_public_keys=extra)
    except signing.SigningKeyError as exc:
        raise _command_error(f"{exc} Or pass the public key with --public-key.") from None
    except LogIntegrityError as exc:
        print("The audit log is NOT intact.", file=out)
        if exc.upper_bound is None:
            print(f"First bad position: {exc.position}", file=out)
        else:
            print(f"First bad position: somewhere in {exc.position}..{exc.upper_bound - 1}", file=out)
        print(f"What is wrong: {exc.reason}", file=out)
        return EXIT_NOT_INTACT
    except SignatureError as exc:
        print("The audit log could not be checked against a saved tree head.", file=out)
        print(f"What is wrong: {exc}", file=out)
        return EXIT_NOT_INTACT
    pending = services.check_pending()
    if pending.malformed:
        print("The audit log is NOT intact.", file=out)
        print(
            f"What is wrong: {len(pending.malformed)} pending event(s) waiting to be placed in the log are not "
            f"well-formed audit entries (pending ids {', '.join(map(str, pending.malformed[:10]))}).",
            file=out,
        )
        return EXIT_NOT_INTACT
    if pending.count:
        print(f"{pending.count} committed event(s) are still waiting to be placed in the log.", file=out)
    if verified.latest_head is None:
        print("The audit log is empty (and consistent with every saved tree head given).", file=out)
    else:
        stamp = verified.latest_head.time_text()
        print(f"The audit log is intact: {verified.size} entries, newest tree head signed {stamp}.", file=out)
    return EXIT_INTACT


def cmd_verify(args: argparse.Namespace) -> int:
    """Recompute the audit log's Merkle tree and check every signed tree head."""
    _setup(args)
    return run_verify([Path(p) for p in args.against], args.public_key, sys.stdout)


# ----------------------------------------------------------------------------- head, publish


def run_head(out: TextIO) -> int:
    """Print the newest signed tree head in its text form, after checking its signature."""
    # The audit services use models, which load only after _setup() has set Django up.
    from confide.audit import services

    try:
        services.sequence_pending(wait=True)
    except services.AuditAppendError as exc:
        sys.stderr.write(f"Pending events could not be placed in the log: {exc}\n")
    head = services.latest_head()
    if head is None:
        raise _command_error("The audit log is empty; there is no tree head yet.")
    try:
        trusted = {key_id(key): key for key in services.current_signing_key().trusted_public_keys()}
    except signing.SigningKeyError as exc:
        raise _command_error(str(exc)) from None
    try:
        key = trusted.get(head.key_id)
        if key is None:
            raise SignatureError("the newest tree head is signed by a key that is not trusted")
        verify_tree_head(key, head)
    except SignatureError as exc:
        print(f"The newest tree head is not authentic: {exc}. Run `confide audit verify`.", file=out)
        return EXIT_NOT_INTACT
    out.write(head.to_text())
    return 0


def cmd_head(args: argparse.Namespace) -> int:
    """Print the current signed tree head."""
    _setup(args)
    return run_head(sys.stdout)


def run_checkpoint(out: TextIO, *, verifier_key: bool = False) -> int:
    """Print the newest checkpoint (C2SP signed note), or with `verifier_key` the log's vkey."""
    # The audit services use models, which load only after _setup() has set Django up.
    from confide.audit import proofs, services

    if verifier_key:
        try:
            keys = services.current_signing_key()
        except signing.SigningKeyError as exc:
            raise _command_error(str(exc)) from None
        print(proofs.log_verifier_key(keys.public_key).to_text(), file=out)
        return 0
    return run_head(out)


def cmd_checkpoint(args: argparse.Namespace) -> int:
    """Print the newest checkpoint of the audit log (a C2SP tlog-checkpoint signed note)."""
    _setup(args)
    return run_checkpoint(sys.stdout, verifier_key=args.verifier_key)


def run_consistency(old_path: Path, out: TextIO) -> int:
    """Print a consistency proof from a saved checkpoint to the newest one, in tlog-witness form.

    The output is exactly an add-checkpoint request body (c2sp.org/tlog-witness): `old <size>`,
    one base64 hash per line, a blank line and the newest checkpoint, so any RFC 6962 verifier
    (or a witness) can check that the log still extends the saved checkpoint. Returns 1 when it
    does not (the proof Confide can build does not verify: the log was truncated or rewritten).
    """
    # The audit services use models, which load only after _setup() has set Django up.
    from confide.audit import proofs, services

    old = _read_head_file(old_path, [])
    try:
        services.sequence_pending(wait=True)
    except services.AuditAppendError as exc:
        sys.stderr.write(f"Pending events could not be placed in the log: {exc}\n")
    try:
        proof = proofs.consistency_from(old)
    except ConsistencyProofError as exc:
        print(f"The log does NOT extend the saved checkpoint of size {old.size}: {exc}", file=out)
        return EXIT_NOT_INTACT
    except (LogIntegrityError, ValueError) as exc:
        print(f"The log does NOT extend the saved checkpoint of size {old.size}: {exc}", file=out)
        return EXIT_NOT_INTACT
    out.write(proof.to_text())
    return 0


def cmd_consistency(args: argparse.Namespace) -> int:
    """Prove that the log extends a saved checkpoint (prints an RFC 6962 consistency proof)."""
    _setup(args)
    return run_consistency(Path(args.from_file), sys.stdout)


def run_publish(directory: Path | None, out: TextIO, *, email: bool = False) -> int:
    """Write the newest signed tree head to the head directory and/or e-mail it to the owners; print where."""
    # The audit services use models, which load only after _setup() has set Django up.
    from confide.audit import services

    to_directory = not email or directory is not None or bool(settings.CONFIDE_AUDIT_HEAD_DIR)
    try:
        if to_directory:
            path = services.publish_head(directory=directory)
            print(f"Wrote {path}", file=out)
        if email:
            owners = services.email_head()
            print(f"E-mailed the tree head to {len(owners)} practice owner(s).", file=out)
        if settings.CONFIDE_AUDIT_WITNESSES:
            # Uses models, which load only after _setup() has set Django up.
            from confide.audit import witnessing

            head = services.latest_head()
            answers = witnessing.request_cosignatures(head) if head is not None else []
            for answer in answers:
                outcome = "cosigned" if answer.cosigned else f"REFUSED ({answer.status}: {answer.reason})"
                print(f"Witness {answer.witness}: {outcome}", file=out)
            if any(not answer.cosigned for answer in answers):
                return EXIT_NOT_INTACT
    except ValueError as exc:
        raise _command_error(str(exc)) from None
    except OSError as exc:
        raise _command_error(f"Cannot write or send the tree head ({exc.strerror or type(exc).__name__}).") from None
    return 0


def run_export_fhir(since: str | None, out_path: Path | None, out: TextIO) -> int:
    """Write the audit log (from `since`, a date or ISO time, UTC) as a FHIR R4 Bundle of AuditEvents."""
    # The audit services use models, which load only after _setup() has set Django up.
    from confide.audit import services

    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise _command_error(f"--since {since!r} is not a date (YYYY-MM-DD) or ISO 8601 time.") from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
    if out_path is not None and out_path.exists():
        raise _command_error(f"{out_path} already exists; choose a new file name.")
    try:
        entries = services.export_events(
            actor_id="operator:cli", purpose=PurposeOfUse.SYSTEM_ADMINISTRATION, since=start
        )
        document = fhir.bundle(entries, observer=settings.SITE_URL or "Confide", timestamp=timezone.now())
    except services.AuditAppendError as exc:
        raise _command_error(f"The export could not be logged, so nothing was exported: {exc}") from None
    except LogIntegrityError as exc:
        raise _command_error(f"{exc}. Run `confide audit verify`.") from None
    text = json.dumps(document, indent=1, ensure_ascii=True) + "\n"
    if out_path is None:
        out.write(text)
        return 0
    try:
        with out_path.open("x", encoding="ascii") as handle:
            handle.write(text)
    except OSError as exc:
        raise _command_error(f"Cannot write {out_path} ({exc.strerror}).") from None
    print(f"Wrote {len(document['entry'])} AuditEvent resources to {out_path}", file=out)
    return 0


def cmd_export_fhir(args: argparse.Namespace) -> int:
    """Export the audit log as a FHIR R4 Bundle of AuditEvent resources (IHE BALP)."""
    _setup(args)
    return run_export_fhir(args.since, Path(args.out) if args.out else None, sys.stdout)


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish the current signed tree head to a directory outside the database."""
    _setup(args)
    return run_publish(Path(args.to) if args.to else None, sys.stdout, email=args.email)


# ----------------------------------------------------------------------------- keys


def ensure_signing_key(data_dir: Path) -> Path:
    """Create the audit signing key file for `confide init` and `confide demo` unless it exists."""
    try:
        return signing.ensure_signing_key(data_dir)
    except signing.SigningKeyError as exc:
        raise _command_error(str(exc)) from None


def _key_path(args: argparse.Namespace) -> Path:
    return signing_key_path(prepare_data_dir(args.data_dir, create=False))


def cmd_create_key(args: argparse.Namespace) -> int:
    """Create the signing key file unless it exists, and print its public key."""
    data_dir = prepare_data_dir(args.data_dir, create=False)
    try:
        path = signing.ensure_signing_key(data_dir)
        key = load_signing_key_file(path)
    except SigningKeyError as exc:
        raise _command_error(str(exc)) from None
    out = sys.stdout
    print(f"Signing key file: {path}", file=out)
    print(f"Public key: {public_key_to_text(key.public_key)}", file=out)
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Replace the signing key; the old public key stays trusted for the heads it signed."""

    path = _key_path(args)
    try:
        new = rotate_signing_key(path)
    except SigningKeyError as exc:
        raise _command_error(str(exc)) from None
    out = sys.stdout
    print(f"Signing key file: {path}", file=out)
    print(f"New public key: {public_key_to_text(new.public_key)}", file=out)
    print("Restart every `confide serve` process so that they all sign with the new key.", file=out)
    return 0


# ----------------------------------------------------------------------------- parser


def add_audit_commands(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    data_dir_arg: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add `confide audit ...` to the command's parser."""
    p_audit = subparsers.add_parser(
        "audit",
        help="verify the tamper-evident audit log and publish its tree heads",
        description="The audit log records every access. `verify` proves that no entry was changed, "
        "removed, inserted or reordered (exit 0 when intact, 1 when not, with the first bad position or, "
        "inside a batch signed by one head, the range it lies in); `checkpoint` (or `head`) prints the "
        "newest C2SP checkpoint, to be saved and used with `verify --against` and `consistency --from`; "
        "`publish` writes it to a directory outside the database; `create-key` and `rotate-key` "
        "manage the signing key file.",
    )
    actions = p_audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    p_verify = actions.add_parser(
        "verify",
        help="check that the log is intact; exit 0 if so, 1 with the first bad position (or range) if not",
        description="Recompute the Merkle tree from every entry and check the signed tree heads, "
        "including every head in CONFIDE_AUDIT_HEAD_DIR.",
    )
    data_dir_arg(p_verify)
    p_verify.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="HEAD_FILE",
        help="a tree head saved earlier (from `confide audit head`); the log must extend it (repeatable)",
    )
    p_verify.add_argument(
        "--public-key",
        action="append",
        default=[],
        metavar="ed25519:KEY",
        help="also trust this public key (e.g. to verify without the signing key file) (repeatable)",
    )
    p_verify.set_defaults(func=cmd_verify)

    p_head = actions.add_parser("head", help="print the current signed tree head", description=cmd_head.__doc__)
    data_dir_arg(p_head)
    p_head.set_defaults(func=cmd_head)

    p_checkpoint = actions.add_parser(
        "checkpoint",
        help="print the newest checkpoint (C2SP tlog-checkpoint signed note)",
        description="Print the newest checkpoint of the log as a C2SP signed note: origin line, tree "
        "size, root hash and the log's Ed25519 note signature. Save it; `verify --against` and "
        "`consistency --from` read it, and so does any C2SP verifier.",
    )
    data_dir_arg(p_checkpoint)
    p_checkpoint.add_argument(
        "--verifier-key",
        action="store_true",
        help="print the log's note verifier key (name+hash+key) instead, for witnesses and verifiers",
    )
    p_checkpoint.set_defaults(func=cmd_checkpoint)

    p_consistency = actions.add_parser(
        "consistency",
        help="prove that the log extends a saved checkpoint",
        description="Print an RFC 6962 consistency proof from a saved checkpoint to the newest one, as a "
        "C2SP tlog-witness add-checkpoint body (`old <size>`, one base64 hash per line, a blank line, "
        "the newest checkpoint). Exit 1 when the log does not extend the saved checkpoint.",
    )
    data_dir_arg(p_consistency)
    p_consistency.add_argument(
        "--from", dest="from_file", required=True, metavar="CHECKPOINT_FILE", help="a checkpoint saved earlier"
    )
    p_consistency.set_defaults(func=cmd_consistency)

    p_publish = actions.add_parser(
        "publish",
        help="write the current signed tree head to head-<size>.txt in a directory",
        description="Write the current signed tree head to CONFIDE_AUDIT_HEAD_DIR (or --to).",
    )
    data_dir_arg(p_publish)
    p_publish.add_argument("--to", metavar="DIR", help="directory to write to (default: $CONFIDE_AUDIT_HEAD_DIR)")
    p_publish.add_argument(
        "--email",
        action="store_true",
        help="also e-mail the head to the practice owner(s) (needs CONFIDE_AUDIT_HEAD_EMAIL=1); "
        "without a head directory, only e-mail it",
    )
    p_publish.set_defaults(func=cmd_publish)

    p_export = actions.add_parser(
        "export-fhir",
        help="export the audit log as a FHIR R4 Bundle of AuditEvent resources",
        description=cmd_export_fhir.__doc__,
    )
    data_dir_arg(p_export)
    p_export.add_argument("--since", metavar="DATE", help="only events at or after this date/time (UTC)")
    p_export.add_argument("--out", metavar="FILE", help="write to this new file instead of standard output")
    p_export.set_defaults(func=cmd_export_fhir)

    p_create = actions.add_parser(
        "create-key", help="create the signing key file if missing", description=cmd_create_key.__doc__
    )
    data_dir_arg(p_create)
    p_create.set_defaults(func=cmd_create_key)

    p_rotate = actions.add_parser("rotate-key", help="replace the signing key", description=cmd_rotate_key.__doc__)
    data_dir_arg(p_rotate)
    p_rotate.set_defaults(func=cmd_rotate_key)


# ----------------------------------------------------------------------------- witness


def cmd_witness_serve(args: argparse.Namespace) -> int:
    """Run a C2SP tlog-witness for the given logs until interrupted."""
    try:
        logs = [NoteVerifier.from_text(text) for text in args.log]
    except AuditFormatError as exc:
        raise _command_error(f"--log is not a log verifier key: {exc}.") from None
    witness = Witness(Path(args.state_dir), logs, args.name)
    server = serve_witness(witness, args.host, args.port)
    sys.stdout.write(f"Witness {witness.name} on http://{args.host}:{server.server_address[1]}/add-checkpoint\n")
    sys.stdout.write(f"Witness verifier key: {witness.verifier.to_text()}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def add_witness_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `confide witness serve` to the command's parser."""
    p_witness = subparsers.add_parser(
        "witness",
        help="run a witness that cosigns a practice's audit log checkpoints",
        description="A witness keeps the newest checkpoint of each log it follows and cosigns a new one only "
        "when it is consistent with it (c2sp.org/tlog-witness). Run it away from the practice's server.",
    )
    actions = p_witness.add_subparsers(dest="witness_command", required=True, metavar="ACTION")
    p_serve = actions.add_parser("serve", help="serve POST /add-checkpoint", description=cmd_witness_serve.__doc__)
    p_serve.add_argument("--state-dir", required=True, metavar="DIR", help="where the key and checkpoints are kept")
    p_serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p_serve.add_argument("--port", type=int, default=8770, help="port to listen on (default 8770)")
    p_serve.add_argument(
        "--log", action="append", default=[], metavar="VKEY",
        help="a log to follow: its verifier key from `confide audit checkpoint --verifier-key` (repeatable)",
    )  # fmt: skip
    p_serve.add_argument("--name", help="this witness's name, e.g. witness.example/owner (kept in the state dir)")
    p_serve.set_defaults(func=cmd_witness_serve)
