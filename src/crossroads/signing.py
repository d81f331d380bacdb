"""One way to sign with the server's secret: HMAC-SHA256 over "<purpose>:<field>:<field>...".

Every signed value we issue goes through here: invite links (convenings/tokens.py), notes
socket tokens and node-to-node passes (notes/tokens.py), and CSRF cookies (web/security.py).
What it keeps for all of them:

- **Purpose binding**: the purpose is the first field of the signed message, so a value signed
  for one use ("csrf") never verifies for another ("notes"), even over the same fields.
- **Scope binding**: expiring tokens sign the scope they open (a room) without carrying it, so
  a token for one room opens no other.
- **Expiry** inside the signed message: a token cannot be stretched by editing its date.
- **Constant-time comparison** of signatures (``hmac.compare_digest``, on bytes, so a foreign
  non-ASCII value is refused rather than raising).

Why not a library such as itsdangerous: invite links are derived from the secret and a stored
salt and sit in people's mailboxes; a library's own message and key-derivation format would
change every link (and cut off every open notes page and form at a deploy). The formats below
are the ones already in the wild, byte for byte (tests/unit/test_signing.py holds known answers).
"""

from __future__ import annotations

import hashlib
import hmac
import time

# Hex characters of a signature in a token: 128 bits, enough against forgery, short in a URL.
HEX_CHARS = 32


def digest(secret: str, purpose: str, *fields: str | int) -> bytes:
    """The raw HMAC-SHA256 of ``purpose:field:field...`` under ``secret``."""
    message = _bytes(":".join([purpose, *(str(field) for field in fields)]))
    return hmac.new(_bytes(secret), message, hashlib.sha256).digest()


def _bytes(text: str) -> bytes:
    # A client's JSON can carry a lone surrogate ("\ud800"), which strict UTF-8 refuses to
    # encode: that must be a wrong token, not an exception. For any other text the bytes are
    # plain UTF-8, so every signature already issued stays valid.
    return text.encode("utf-8", "surrogatepass")


def hex_signature(secret: str, purpose: str, *fields: str | int) -> str:
    return digest(secret, purpose, *fields).hex()[:HEX_CHARS]


def same(given: str, expected: str) -> bool:
    """Constant-time equality of a value a client sent and the one we computed."""
    return hmac.compare_digest(_bytes(given), _bytes(expected))


def mint_expiring(
    secret: str, purpose: str, subject: str, scope: str, *, seconds: int, now: float | None = None
) -> str:
    """``<subject>.<expires>.<signature>``, the signature over purpose, scope, subject, expiry."""
    expires = int((now if now is not None else time.time()) + seconds)
    return f"{subject}.{expires}.{hex_signature(secret, purpose, scope, subject, expires)}"


def verify_expiring(
    secret: str, purpose: str, token: str, scope: str, *, now: float | None = None
) -> str | None:
    """The subject of a valid, unexpired token for ``scope`` and ``purpose``, else None."""
    rest, _dot, signature = token.rpartition(".")
    subject, _dot, expires_text = rest.rpartition(".")
    if not subject or not (expires_text.isascii() and expires_text.isdigit()):
        return None
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        return None
    if not same(signature, hex_signature(secret, purpose, scope, subject, expires)):
        return None
    return subject
