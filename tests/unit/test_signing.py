"""The one signing helper (crossroads/signing.py) and the three token formats built on it."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads import signing
from crossroads.convenings.tokens import invite_token
from crossroads.notes import tokens
from crossroads.web.security import csrf_is_valid, sign_csrf

pytestmark = pytest.mark.unit

SECRET = "s3cret-key-for-known-answers-0123456789"
NOW = 1_800_000_000


def test_the_formats_in_the_wild_are_unchanged() -> None:
    """Known answers computed with the code before the helper existed: invite links already
    sent, notes tokens of open pages and CSRF cookies of open forms keep working."""
    assert invite_token(SECRET, "00112233445566778899aabbccddeeff") == (
        "b1nmfRTVKOh1Tvtqi6gmZUP4X6435HiW"
    )
    assert tokens.mint(SECRET, "p42", "room-abc", now=NOW) == (
        "p42.1800043200.e4ce85a9343cbc2deeb95464992d25d0"
    )
    assert tokens.mint_peer(SECRET, "node-1.internal", "room-abc", now=NOW) == (
        "node-1.internal.1800000060.5c1372a7a3b00b99226666829618f9f8"
    )
    assert sign_csrf(SECRET, "nonce-xyz") == "nonce-xyz.b149e7a35956958b6ea9c01bd2fa4ebf"


@given(secret=st.text(min_size=1), salt=st.text(min_size=1))
def test_invite_links_are_the_original_derivation(secret: str, salt: str) -> None:
    original = hmac.new(secret.encode(), f"invite:{salt}".encode(), hashlib.sha256).digest()
    expected = base64.urlsafe_b64encode(original[:24]).decode().rstrip("=")
    assert invite_token(secret, salt) == expected


@given(
    subject=st.text(st.characters(blacklist_characters="."), min_size=1),
    scope=st.text(),
    seconds=st.integers(min_value=1, max_value=10**6),
)
def test_an_expiring_token_opens_its_scope_for_its_purpose_until_it_expires(
    subject: str, scope: str, seconds: int
) -> None:
    token = signing.mint_expiring(SECRET, "notes", subject, scope, seconds=seconds, now=NOW)

    assert signing.verify_expiring(SECRET, "notes", token, scope, now=NOW + seconds) == subject
    assert signing.verify_expiring(SECRET, "notes", token, scope, now=NOW + seconds + 1) is None
    assert signing.verify_expiring(SECRET, "peer", token, scope, now=NOW) is None  # purpose
    assert signing.verify_expiring(SECRET, "notes", token, scope + "x", now=NOW) is None
    assert signing.verify_expiring("another-" + SECRET, "notes", token, scope, now=NOW) is None


def test_a_notes_token_is_no_peer_pass_and_no_csrf_token() -> None:
    notes = tokens.mint(SECRET, "p1", "room-a", now=NOW)

    assert tokens.verify(SECRET, notes, "room-a", now=NOW) == tokens.NotesPass("p1", "room-a")
    assert tokens.verify_peer(SECRET, notes, "room-a", now=NOW) is None
    assert csrf_is_valid(SECRET, notes) is False


@pytest.mark.parametrize(
    "value",
    ["é.é", "nonce.ü" + "0" * 31, "p1.１２３.abc", "p1.²³.abc", "", ".", "p1..", "..."],
)
def test_foreign_or_malformed_values_are_refused_without_raising(value: str) -> None:
    """compare_digest raises on non-ASCII str; a client's value is compared as bytes."""
    assert csrf_is_valid(SECRET, value) is False
    assert tokens.verify(SECRET, value, "room-a", now=NOW) is None
    assert tokens.verify_peer(SECRET, value, "room-a", now=NOW) is None


@given(token=st.text(), scope=st.text())
def test_any_text_a_client_sends_as_a_token_is_refused_without_raising(
    token: str, scope: str
) -> None:
    # JSON decodes "\ud800" to a lone surrogate, which strict UTF-8 cannot encode.
    assert signing.verify_expiring(SECRET, "notes", token + "\ud800", scope, now=NOW) is None
    assert signing.same(token + "\udfff", token) is False
