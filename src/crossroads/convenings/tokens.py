"""Opaque tokens: random session tokens and secret-derived invite tokens, stored hashed.

Invite tokens are ``HMAC(secret, "invite:" + salt)``: the database keeps the salt and the
SHA-256 of the token, so a copy of the database alone rebuilds no link, while the host
can be shown the shared link again at any time.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from crossroads import signing


def new_token() -> str:
    """A random 192-bit token, URL-safe."""
    return secrets.token_urlsafe(24)


def new_public_id() -> str:
    """A random 96-bit id for URLs; random so ids cannot be enumerated (scope is still checked)."""
    return secrets.token_urlsafe(12)


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite_token(secret_key: str, salt: str) -> str:
    # Byte for byte the derivation of every link already sent: HMAC(secret, "invite:" + salt).
    digest = signing.digest(secret_key, "invite", salt)
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")
