"""The live sockets' dispatch tables: every message a client may send runs exactly one
handler, so a new message type cannot be parsed and then silently ignored (the isinstance
chain it replaced fell through without a word for a type nobody added a branch for)."""

from __future__ import annotations

import typing

import pytest

from crossroads.live import protocol
from crossroads.web.routers import live

pytestmark = pytest.mark.unit


def _types(union: object) -> set[type]:
    members = typing.get_args(typing.get_args(union)[0])
    return set(members)


def test_every_participant_message_has_a_command() -> None:
    assert set(live.PARTICIPANT_COMMANDS) == _types(protocol.ParticipantMessage)


def test_every_host_message_has_a_command() -> None:
    assert set(live.HOST_COMMANDS) == _types(protocol.HostMessage)


def test_the_tables_name_the_types_the_parser_accepts() -> None:
    def names(classes: set[type]) -> set[str]:
        return {typing.get_args(c.model_fields["type"].annotation)[0] for c in classes}

    assert names(set(live.PARTICIPANT_COMMANDS)) == protocol.PARTICIPANT_TYPES
    assert names(set(live.HOST_COMMANDS)) == protocol.HOST_TYPES
