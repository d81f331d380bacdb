"""A participant downloads their data, then deletes it: afterwards no table of the schema and
no export holds anything of theirs, while the notes they wrote stay, unattributed."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from typing import Any

import pytest

from tests import database
from tests.integration.conftest import Browserish, client_for, create_convening, join
from tests.integration.live_clients import LiveClient, add_round
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

# Every piece of Zelda's personal data carries this mark, so any leftover is found by text.
MARK = "zq9x"
ZELDA = {
    "display_name": f"Zelda {MARK}",
    "organisation": f"Org {MARK}",
    "movements": f"Movement {MARK}, Housing",
    "region": f"Region {MARK}",
    "about": f"About {MARK}",
}
EMAIL = f"zelda.{MARK}@example.org"
# Her words (feedback, interests) carry this one: like her notes, words may stay in the
# reflection note's themes, unattributed, but her answers themselves are deleted.
WORDS = "wq7v"


def every_row(server: LiveServer) -> dict[str, list[dict[str, Any]]]:
    """All rows of every table in the server's database, found from the schema itself."""
    return database.every_row(server.database_url)


def participant_columns(server: LiveServer) -> dict[str, list[str]]:
    """For each table, the columns that are foreign keys to participant.id."""
    return database.foreign_keys_to(server.database_url, "participant")


def text_of(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict | list):
        # JSON columns (and whole rows) come back parsed: search them as stored text.
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def test_deleting_a_participant_removes_their_data_from_every_table_and_export(
    server: LiveServer, host: Browserish
) -> None:
    convening = create_convening(host, "Erasure call")
    add_round(host, convening.public_id)
    page = f"/host/convenings/{convening.public_id}"
    roster = f"name,email,organisation\nZelda {MARK},{EMAIL},Org {MARK}\n".encode()
    uploaded = host.post(
        f"{page}/roster",
        data={"csrf_token": host.csrf(page)},
        files={"roster": ("roster.csv", roster, "text/csv")},
    )
    (link,) = [row["link"] for row in csv.DictReader(io.StringIO(uploaded.text))]
    zelda = join(
        server,
        link,
        ZELDA["display_name"],
        **{k: v for k, v in ZELDA.items() if k != "display_name"},
    )
    bilal = join(server, convening.invite_url, "Bilal Stays", movements="Housing")
    feedback = f"/c/{convening.public_id}/feedback"
    zelda.submit(
        feedback,
        {
            "rating": "4",
            "energising": f"Energy {WORDS}",
            "drill_into": f"Interest {WORDS}",
            "series_consent": "on",
            "series_email": EMAIL,
        },
        form_page=feedback,
    )
    bilal.submit(feedback, {"rating": "5", "energising": "Good call"}, form_page=feedback)
    connections = f"/c/{convening.public_id}/connections"
    for client in (zelda, bilal):
        client.submit(f"{connections}/opt-in", {"opt_in": "on"}, form_page=connections)
    bilal_public = re.search(
        r"/connections/([A-Za-z0-9_-]+)/introduce", zelda.get(connections).text
    )
    assert bilal_public
    zelda.submit(f"{connections}/{bilal_public.group(1)}/introduce", {}, form_page=connections)
    room = convening.public_id

    async def live_and_notes() -> None:
        console = await LiveClient.connect(server, f"/ws/host/{convening.public_id}", host)
        await console.send({"type": "hello"})
        sockets = []
        for client in (zelda, bilal):
            socket = await LiveClient.connect(server, f"/ws/live/{convening.public_id}", client)
            await socket.send({"v": 1, "type": "hello", "last_seq": 0})
            await socket.next("snapshot")
            sockets.append(socket)
        await console.send({"type": "start_round"})
        view = await sockets[0].next("snapshot", lambda m: m.get("group") is not None)
        bilal_id = next(m["id"] for m in view["group"]["members"] if m["id"] != view["you"]["id"])
        await sockets[0].send({"type": "chat", "text": f"Chat {MARK}", "share": True})
        await sockets[0].next("chat")
        await sockets[0].send({"type": "help"})
        await sockets[0].next("help_sent")
        # Zelda reports Bilal (a report names them both) and blocks him; the host mutes her
        # after she typed.
        report = f"/c/{convening.public_id}/report"
        zelda.submit(
            report,
            {"reported": bilal_id, "reason": "privacy", "details": f"Said by {MARK}"},
            form_page=f"{report}?participant={bilal_id}",
        )
        await sockets[0].send({"type": "block", "participant": bilal_id})
        await sockets[0].next("blocked")
        notes = await NotesClient.connect(
            server, room, notes_token(zelda, f"/c/{convening.public_id}/notes")
        )
        await notes.type("free", "Land is life. ")
        await notes.wait_acked()
        await notes.close()
        await console.send({"type": "mute", "participant": view["you"]["id"], "muted": True})
        await console.next("snapshot", lambda m: any(p.get("muted") for p in m["people"]))
        for s in [console, *sockets]:
            await s.close()

    asyncio.run(live_and_notes())
    # The host's reflection note quotes her by name (as a host's edit may).
    reflection = f"{page}/reflection"
    host.submit(f"{reflection}/generate", {}, form_page=reflection)
    edited = host.post(
        f"{reflection}/sections/participation",
        data={
            "heading": "Who came",
            "body": f"> Land is life.\n> — {ZELDA['display_name']}, {ZELDA['organisation']}",
            "csrf_token": host.csrf(reflection),
        },
    )
    assert edited.status_code == 200, edited.text
    url = server.database_url
    zelda_id = database.scalar(
        url, "SELECT id FROM participant WHERE display_name = :n", n=ZELDA["display_name"]
    )
    call_id = database.scalar(
        url, "SELECT id FROM convening WHERE public_id = :p", p=convening.public_id
    )
    before = every_row(server)
    assert any(MARK in text_of(v) for rows in before.values() for r in rows for v in r.values())
    assert any(r["author"] == f"p{zelda_id}" for r in before["notes_update"])
    assert len(before["participant_report"]) == len(before["participant_mute"]) == 1
    (drafted,) = [r for r in before["reflection_note"] if r["convening_id"] == call_id]
    assert MARK in text_of(drafted["sections"])

    exported = zelda.get(f"/c/{convening.public_id}/my-data.json")
    data = json.loads(exported.text)
    assert (
        exported.headers["content-disposition"] == 'attachment; filename="my-crossroads-data.json"'
    )
    assert data["profile"]["display_name"] == ZELDA["display_name"]
    assert data["profile"]["email"] == EMAIL
    assert data["feedback"]["energising"] == f"Energy {WORDS}"
    assert data["follow_up_interests"] == [f"Interest {WORDS}"]
    assert data["consents"]["recognised_in_series_as"] == EMAIL
    # One seat in round 1 (blocking Bilal moved her out of their pair, so not group 1).
    assert [r["round"] for r in data["rounds"]] == [1]
    assert data["people_blocked"] == 1
    assert len(data["help_calls"]) == 1
    assert data["notes_edits"] >= 1
    assert data["chat_messages"] == [f"Chat {MARK}"]
    assert data["introductions_asked"] == 1
    assert data["consents"]["suggest_connections"] is True
    assert "Bilal Stays" not in exported.text

    refused = zelda.submit(f"/c/{convening.public_id}/my-data/delete", {}, form_page=feedback)
    assert refused.status_code == 422
    erased = zelda.submit(
        f"/c/{convening.public_id}/my-data/delete", {"confirm": "on"}, form_page=feedback
    )

    assert erased.status_code == 200
    assert "Your data is deleted" in erased.text
    after = every_row(server)
    leftovers = [
        (table, column)
        for table, rows in after.items()
        for row in rows
        for column, value in row.items()
        if MARK in text_of(value).casefold() or EMAIL in text_of(value)
    ]
    assert leftovers == [], [after[t] for t, _ in leftovers]
    pointing = [
        (table, column)
        for table, columns in participant_columns(server).items()
        for row in after[table]
        for column in columns
        if row[column] == zelda_id
    ]
    assert pointing == []
    assert [r for r in after["notes_update"] if r["author"] == f"p{zelda_id}"] == []
    # Her words stay in the shared notes, without her name.
    hers = {r["id"] for r in before["notes_update"] if r["author"] == f"p{zelda_id}"}
    assert {r["id"]: r["author"] for r in after["notes_update"] if r["id"] in hers} == {
        i: "" for i in hers
    }
    # The reflection note keeps her words, without her name or organisation.
    (note,) = [r for r in after["reflection_note"] if r["convening_id"] == call_id]
    assert "> Land is life." in text_of(note["sections"])
    charts = {c["kind"]: c["rows"] for sec in note["sections"] for c in sec["charts"]}
    assert charts["by_movement"] == [["Housing", 1]]  # Bilal's; she is no longer counted
    assert (after["participant_report"], after["participant_mute"]) == ([], [])
    assert [r for r in after["feedback_response"] if WORDS in text_of(r)] == []
    assert [r for r in after["follow_up_interest"] if WORDS in text_of(r)] == []
    # No export shows her: the host's pages and downloads, and her old session opens nothing.
    for path in (
        page,
        f"{page}/personal-links.csv",
        f"{page}/feedback",
        f"{page}/reports",
        f"{page}/reflection",
        f"{page}/reflection.md",
    ):
        text = host.get(path).text
        assert MARK not in text.casefold() and EMAIL not in text, path
    assert "Good call" in host.get(f"{page}/feedback").text
    assert zelda.get(f"/c/{convening.public_id}/lobby").status_code == 404
    assert client_for(server).get(link.removeprefix(server.url)).status_code == 404
