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
from confide.auditlog import (
    AuditFormatError,
    LogIntegrityError,
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
    "ensure_signing_key",
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


def _read_head_file(path: Path) -> SignedTreeHead:
    try:
        return SignedTreeHead.from_text(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise _command_error(f"Cannot read the tree head file {path} ({reason}).") from None
    except AuditFormatError as exc:
        raise _command_error(f"{path} is not a tree head file: {exc}.") from None


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

    heads = [_read_head_file(path) for path in against]
    extra = [_public_key(text) for text in public_keys]
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
        stamp = verified.latest_head.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
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
        "removed, inserted or reordered (exit 0 when intact, 1 with the first bad position when not); "
        "`head` prints the current signed tree head, to be saved and used with `verify --against`; "
        "`publish` writes it to a directory outside the database; `create-key` and `rotate-key` "
        "manage the signing key file.",
    )
    actions = p_audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    p_verify = actions.add_parser(
        "verify",
        help="check that the log is intact; exit 0 if so, 1 with the first bad position if not",
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
