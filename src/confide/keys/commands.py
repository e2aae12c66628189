"""`confide token ...`: personal access tokens for the API, created, listed and revoked at the terminal.

A token wraps its owner's private key under the token's own secret, so creating one needs the
owner's password (which opens the key). The token is printed once, as the last line of output,
and never stored: the server keeps only a hash of it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from confide import crypto
from confide.cli.common import fail, read_password_file, start

__all__ = ["add_token_commands", "cmd_token_create", "cmd_token_list", "cmd_token_revoke"]

# The same words for an unknown e-mail address and a wrong password, so the command does not
# tell anyone which addresses have accounts.
WRONG_CREDENTIALS = "That e-mail address and password do not match an account with keys."


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _person(email: str) -> Any:
    """The staff member with that e-mail address, or None."""
    # Models load only after Django is set up from the data directory (the parser is built before).
    from django.db import DatabaseError

    from confide.accounts.models import User

    try:
        return (User.objects.select_related("membership", "key_pair")
                .filter(email=email.strip().lower(), membership__isnull=False, key_pair__isnull=False).first())
    except DatabaseError:
        fail("The database is not ready: run `confide init` first.")


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or any(ord(ch) < 32 for ch in name):
        fail("A token name must be 1 to 100 printable characters, e.g. --name reporting-script.")
    return name


def cmd_token_create(args: argparse.Namespace) -> int:
    """Unlock the person's key with their password and print a new token as the last line."""
    start(args.data_dir)
    name = _clean_name(args.name)
    # Models load only after start() has set Django up from the data directory.
    from confide.accounts import guessing
    from confide.keys.models import PersonalAccessToken
    from confide.keys.vault import create_access_token

    password = read_password_file(args.password_file)
    if not password:
        fail("The password file is empty.")
    user = _person(args.email)
    if user is None:
        fail(WRONG_CREDENTIALS)
    try:
        vault = guessing.checked_unlock(None, user.pk, user.membership.practice_id, password, where="token-create")
    except guessing.TooManyAttemptsError:
        fail("Too many wrong passwords for this account. Wait a while before you try again.")
    except crypto.WrongPasswordError:
        fail(WRONG_CREDENTIALS)
    if not user.is_active:
        fail("This account is suspended; its tokens would not be accepted.")
    if PersonalAccessToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        fail(f"{user.email} already has a token named {name!r}: revoke it or choose another name.")
    token = create_access_token(vault, name)
    _say(f"Created the personal access token {name!r} for {user.email}.")
    _say("It opens this person's records through the API: keep it like a password. It is shown only now.")
    _say("Send it as the header  Authorization: Bearer <token>")
    _say(token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    """List a person's tokens (names and dates only; the tokens themselves are not stored)."""
    start(args.data_dir)
    # Models load only after Django is set up from the data directory (the parser is built before).
    from confide.keys.models import PersonalAccessToken

    user = _person(args.email)
    tokens = list(PersonalAccessToken.objects.filter(user=user).order_by("created_at")) if user else []
    if not tokens:
        _say("No tokens.")
        return 0

    def when(value: Any) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else "-"

    _say(f"{'name':<32} {'created':<16} {'last used':<16} revoked")
    for token in tokens:
        _say(f"{token.name:<32} {when(token.created_at):<16} {when(token.last_used_at):<16} {when(token.revoked_at)}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Revoke a person's live tokens of that name; they stop working at once."""
    start(args.data_dir)
    # Models load only after Django is set up from the data directory (the parser is built before).
    from django.utils import timezone

    from confide.keys.models import PersonalAccessToken

    user = _person(args.email)
    count = (PersonalAccessToken.objects.filter(user=user, name=args.name.strip(), revoked_at__isnull=True)
             .update(revoked_at=timezone.now())) if user else 0
    if not count:
        fail("No live token of that name for that e-mail address.")
    _say(f"Revoked {count} token{'s' if count > 1 else ''} named {args.name.strip()!r}.")
    return 0


def add_token_commands(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    data_dir_arg: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `confide token create|list|revoke` on the `confide` parser's subcommands."""
    p_token = subparsers.add_parser(
        "token",
        help="personal access tokens for the API",
        description="Create, list and revoke personal access tokens for the JSON API (docs/api.md).",
    )
    actions = p_token.add_subparsers(dest="token_command", required=True, metavar="ACTION")

    def common(p: argparse.ArgumentParser) -> None:
        data_dir_arg(p)
        p.add_argument("--email", required=True, help="the e-mail address the person signs in with")

    p_create = actions.add_parser(
        "create",
        help="create a token and print it",
        description="Unlock the person's key with their password and print a new token as the last line "
        "of output. The token is shown only once.",
    )
    common(p_create)
    p_create.add_argument("--password-file", required=True, help="file holding the person's password (first line)")
    p_create.add_argument("--name", required=True, help="what the token is for, e.g. reporting-script")
    p_create.set_defaults(func=cmd_token_create)

    p_list = actions.add_parser("list", help="list a person's tokens", description="List a person's tokens: "
                                "names, when they were created and last used, and whether they are revoked.")
    common(p_list)
    p_list.set_defaults(func=cmd_token_list)

    p_revoke = actions.add_parser("revoke", help="revoke a token by name",
                                  description="Revoke a person's tokens of that name; they stop working at once.")
    common(p_revoke)
    p_revoke.add_argument("--name", required=True, help="the token's name")
    p_revoke.set_defaults(func=cmd_token_revoke)
