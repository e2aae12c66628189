"""Personal access tokens: `Authorization: Bearer cfd_...` unlocks its owner's vault for one request.

The token's secret opens a wrap of the owner's private key (`confide.keys.vault`); the server
stores only a hash of it. Tokens are never logged: ninja's own bearer class logs a malformed
header in DEBUG mode, so `TokenAuth` reads the header itself.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from confide.keys.vault import NoKeyError, Vault, vault_from_token


class InvalidTokenError(AuthenticationError):
    """A token was sent but is unknown, revoked, malformed, or belongs to a suspended account."""


class TokenAuth(HttpBearer):
    """Bearer authentication with a personal access token; `request.auth` becomes the caller's vault."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        scheme, _, token = header.partition(" ")
        if not header:
            return None
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidTokenError
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Vault:
        try:
            _, vault = vault_from_token(token)
        except NoKeyError:
            raise InvalidTokenError from None
        except ObjectDoesNotExist:
            # The API is for staff: a token of someone with no practice membership (a portal
            # client, say) is refused like an unknown one, never a server error.
            raise InvalidTokenError from None
        return vault


def caller_vault(request: HttpRequest) -> Vault:
    """The vault `TokenAuth` unlocked for this request."""
    vault = getattr(request, "auth", None)
    if not isinstance(vault, Vault):  # only reachable if an endpoint forgot `auth`
        raise InvalidTokenError
    return vault
