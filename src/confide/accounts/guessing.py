"""Bounded guessing wherever a password is checked (ADR 0013).

The sign-in form, both unlock pages (`/vault/unlock`, `/portal/unlock`) and the command line
(`confide token create`) share one budget: allauth's `login_failed` rate limit, per address and
per account (`CONFIDE_LOGIN_ATTEMPTS_*`). Each wrong password outside the sign-in form is an
audit event; a check refused because the budget is spent is one too (outcome `denied`); and the
moment an account's budget runs out, the practice owner is alerted (through `BURST_OBSERVERS`,
which `confide.oversight` fills).

The rate-limit key of an account is its opaque id, and of an address without an account a keyed
hash of it, so the cache never holds an e-mail address or an unsalted hash of one.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.core.internal import ratelimit
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from confide import crypto
from confide.accounts import addresses
from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys import vault as keys

_ACTION = "login_failed"
_APP = "allauth.account"
_PURPOSE = PurposeOfUse.SYSTEM_ADMINISTRATION

# Called with (user id, where) when an account's guessing budget runs out.
BURST_OBSERVERS: list[Callable[[int, str], None]] = []


class TooManyAttemptsError(Exception):
    """The account or the address has used up its guessing budget for now."""


def account_key(user_id: int) -> str:
    """The rate-limit key of an account."""
    return f"account:{user_id}"


def resolve_address(address: str) -> int | None:
    """The id of the account a typed address signs in to, or None."""
    normalised = addresses.normalise(address)
    candidates = [normalised] if addresses.is_alias(normalised) else [normalised, addresses.portal_alias(normalised)]
    pk = get_user_model()._default_manager.filter(email__in=candidates).values_list("pk", flat=True).first()
    return None if pk is None else int(pk)


def key_for_address(address: str) -> str:
    """The rate-limit key for a typed sign-in address: its account's, or a keyed hash of it."""
    user_id = resolve_address(address)
    if user_id is not None:
        return account_key(user_id)
    return "address:" + salted_hmac("confide.accounts.guessing.address", address.strip().lower(),
                                    algorithm="sha256").hexdigest()


def cli_request() -> HttpRequest:
    """A stand-in request for checks made on the command line (the address is the local host)."""
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    return request


def _event(tag: Tag, user_id: int, outcome: Outcome, where: str) -> None:
    record_event(tag, actor_id=f"user:{user_id}", purpose=_PURPOSE, outcome=outcome,
                 sealed_detail=f"where={where}".encode("ascii"))


def is_locked(request: HttpRequest, user_id: int) -> bool:
    """Whether another password check for this account from this address would be refused."""
    return not ratelimit.consume(request, app=_APP, action=_ACTION, key=account_key(user_id), dry_run=True)


def notice_burst(request: HttpRequest, user_id: int, where: str) -> None:
    """After a failure: when it spent the account's budget, tell the observers (the owner's alert)."""
    if is_locked(request, user_id):
        for observer in BURST_OBSERVERS:
            observer(user_id, where)


def checked_unlock(request: HttpRequest | None, user_id: int, practice_id: int, password: str, *,
                   where: str) -> keys.Vault:
    """Unlock a person's key with their password, within the shared guessing budget.

    Raises `TooManyAttemptsError` (audited, outcome `denied`) when the budget is spent, without
    trying the password, and `crypto.WrongPasswordError` (audited) for a wrong password.
    """
    request = request if request is not None else cli_request()
    usage = ratelimit.consume(request, app=_APP, action=_ACTION, key=account_key(user_id))
    if not usage:
        _event(Tag.PASSWORD_LOCKED, user_id, Outcome.DENIED, where)
        raise TooManyAttemptsError
    try:
        vault = keys.vault_from_password(user_id, practice_id, password)
    except crypto.WrongPasswordError:
        _event(Tag.PASSWORD_FAILED, user_id, Outcome.FAILURE, where)
        notice_burst(request, user_id, where)
        raise
    usage.rollback()  # like allauth's sign-in: a success gives back its own try, and no more
    return vault
