"""Live replies are built only in live/replies.py, in the shapes docs/live-protocol.md lists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crossroads.live import replies

pytestmark = pytest.mark.unit

WEB = Path(__file__).resolve().parents[3] / "src" / "crossroads" / "web"
# The modules that answer on live sockets: the routers and the host console.
SOCKET_MODULES = [*sorted((WEB / "routers").glob("*.py")), WEB / "host_console.py"]


def _hand_built_replies(path: Path) -> list[int]:
    """Lines of dict literals with a protocol version key ``"v"``: a reply spelled by hand."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "v" for k in node.keys)
    ]


@pytest.mark.parametrize("path", SOCKET_MODULES, ids=lambda p: p.name)
def test_no_router_or_console_builds_a_reply_by_hand(path: Path) -> None:
    assert _hand_built_replies(path) == []


def test_the_host_consoles_replies_keep_their_wire_format() -> None:
    call: dict[str, object] = {"mode": "external", "room": "Round 1 Room 2"}
    members = [replies.member("pub1", "Ana")]
    assert replies.joined_group(4, 2, members, call, "group-p1-1-2") == {
        "v": 1,
        "type": "joined_group",
        "help": 4,
        "group": 2,
        "members": [{"id": "pub1", "name": "Ana"}],
        "call": call,
        "notes": "group-p1-1-2",
    }
    assert replies.host_joined("Hana") == {"v": 1, "type": "host_joined", "name": "Hana"}
    assert replies.host_left("host") == {"v": 1, "type": "host_left", "from": "host"}
    assert replies.audio_muted() == {"v": 1, "type": "audio_muted"}
    assert replies.help_resolved(9) == {"v": 1, "type": "help_resolved", "id": 9}
    assert replies.done_without_event("mute_audio") == {
        "v": 1,
        "type": "done",
        "command": "mute_audio",
        "seq": 0,
    }


def test_a_relayed_signal_says_who_sent_it_in_place_of_to() -> None:
    fields = {"v": 1, "type": "call_answer", "to": "pub2", "sdp": "v=0"}
    assert replies.signal(fields, "pub1") == {
        "v": 1,
        "type": "call_answer",
        "sdp": "v=0",
        "from": "pub1",
    }
    assert replies.signal(fields, "pub1", 3)["group"] == 3
