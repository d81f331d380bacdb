"""Call plumbing as pure functions (#7): TURN credentials, Jitsi rooms and tokens, Zoom CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.convenings.calls import zoom_csv
from crossroads.live.calls import (
    ZOOM_HEADER,
    ice_servers,
    jitsi_room,
    jitsi_token,
    jitsi_url,
    split_urls,
    turn_credential,
    zoom_room_name,
)
from crossroads.store.records import ParticipantRecord

pytestmark = pytest.mark.unit

NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000


def test_turn_credential_matches_coturn_rest_api_vector() -> None:
    # Computed independently with OpenSSL:
    #   echo -n "1700003600:p-ana" | openssl dgst -sha1 -hmac north-star -binary | base64
    cred = turn_credential("north-star", user="p-ana", expires_at=NOW + timedelta(hours=1))

    assert cred.username == "1700003600:p-ana"
    assert cred.credential == "zLZYj7gC7+tmKfvdCeYgAiVHl9Y="


def test_turn_credential_refuses_a_user_id_with_a_colon() -> None:
    with pytest.raises(ValueError, match="may not contain ':'"):
        turn_credential("s", user="a:b", expires_at=NOW)


def test_ice_servers_give_turn_only_with_urls_and_secret() -> None:
    common = {"user": "p1", "now": NOW, "ttl": timedelta(hours=1)}

    none = ice_servers(stun_urls=[], turn_urls=[], turn_secret=None, **common)  # type: ignore[arg-type]
    stun_only = ice_servers(
        stun_urls=["stun:a:3478"],
        turn_urls=["turn:t:3478"],
        turn_secret=None,
        **common,  # type: ignore[arg-type]
    )
    both = ice_servers(
        stun_urls=["stun:a:3478"],
        turn_urls=["turn:t:3478"],
        turn_secret="s",
        **common,  # type: ignore[arg-type]
    )

    assert none == []
    assert stun_only == [{"urls": ["stun:a:3478"]}]
    assert both[1]["urls"] == ["turn:t:3478"]
    assert both[1]["username"] == "1700003600:p1"


def test_split_urls_drops_blanks_and_spaces() -> None:
    assert split_urls(" stun:a:3478, ,turn:b?transport=udp ") == [
        "stun:a:3478",
        "turn:b?transport=udp",
    ]


ids = st.tuples(
    st.text(alphabet="abcdefghijkLMNOP0123456789_-", min_size=8, max_size=16),
    st.integers(min_value=1, max_value=10_000),
    st.integers(min_value=1, max_value=2_000),
)


@given(st.lists(ids, min_size=2, max_size=40, unique=True))
def test_jitsi_rooms_are_unique_per_group_per_round(keys: list[tuple[str, int, int]]) -> None:
    rooms = [jitsi_room("secret", convening=c, run=r, group=g) for c, r, g in keys]

    assert len(set(rooms)) == len(keys)


@given(ids, st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_jitsi_rooms_are_unguessable_without_the_secret(
    key: tuple[str, int, int], secret: str, other: str
) -> None:
    convening, run, group = key
    room = jitsi_room(secret, convening=convening, run=run, group=group)

    # 40 base32 characters carry 200 bits; nothing of the ids shows through.
    assert len(room) == 40
    assert set(room) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert convening.lower() not in room
    if other != secret:
        assert jitsi_room(other, convening=convening, run=run, group=group) != room
    # Same inputs, same room: every member of the group lands in one place.
    assert jitsi_room(secret, convening=convening, run=run, group=group) == room


def test_jitsi_token_is_hs256_for_that_room_only() -> None:
    token = jitsi_token(
        app_id="crossroads",
        app_secret="jitsi-secret-of-at-least-32-bytes!",
        server_url="https://meet.example.org/",
        room="abc",
        name="Ana",
        now=NOW,
        ttl=timedelta(hours=2),
    )

    claims = jwt.decode(
        token,
        "jitsi-secret-of-at-least-32-bytes!",
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_exp": False, "verify_nbf": False},
    )
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert claims == {
        "aud": "jitsi",
        "iss": "crossroads",
        "sub": "meet.example.org",
        "room": "abc",
        "nbf": 1699999940,
        "exp": 1700007200,
        "context": {"user": {"name": "Ana"}},
    }
    assert jitsi_url("https://meet.example.org/", "abc", token) == (
        f"https://meet.example.org/abc?jwt={token}"
    )


def person(pid: int, name: str, email: str) -> ParticipantRecord:
    return ParticipantRecord(
        id=pid,
        public_id=f"p{pid}",
        convening_id=1,
        invite_id=None,
        display_name=name,
        email=email,
        organisation="",
        movements=(),
        region="",
        languages=("en",),
        about="",
        consent_listed=True,
        consent_quoted=False,
        coc_accepted_at=NOW,
        joined_at=NOW,
    )


def test_zoom_csv_has_the_exact_header_and_one_row_per_email_and_room() -> None:
    groups = [
        (1, [person(1, "Ana", "ana@example.org"), person(2, "Bilal", "bilal@example.org")]),
        (2, [person(3, "Chen", ""), person(4, "Dana", "=cmd|' /C calc'!A0")]),
    ]

    result = zoom_csv(groups, run_number=3)

    assert result.csv_text.splitlines()[0] == "Pre-assign Room Name,Email Address"
    rows = list(csv.reader(io.StringIO(result.csv_text)))
    assert tuple(rows[0]) == ZOOM_HEADER
    assert rows[1:] == [
        ["Round 3 - Room 1", "ana@example.org"],
        ["Round 3 - Room 1", "bilal@example.org"],
        # A formula-looking cell is neutralised for spreadsheet programs.
        ["Round 3 - Room 2", "'=cmd|' /C calc'!A0"],
    ]
    assert result.without_email == (("Round 3 - Room 2", "Chen"),)
    assert zoom_room_name(3, 2) == "Round 3 - Room 2"
