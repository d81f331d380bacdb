"""Agenda edits announce themselves (#31, #28): each planning use case that changes a
convening's details or agenda records ``AgendaChanged`` in its unit of work, announced once
it commits; a refused edit announces nothing; a bus that cannot take the announcement does
not fail the edit. On a real SQLite file; the last test wires the real hub and publisher to
a Redis address where nothing listens."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crossroads.convenings import hosts, planning
from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.live_views import ViewCache
from crossroads.live.events import AgendaChanged
from crossroads.live.publisher import Events
from crossroads.settings import Settings
from crossroads.store.convenings import ConveningFields
from crossroads.store.database import Database
from crossroads.store.records import ConveningRecord, HostRecord, PrivacyMode, RoundKind
from crossroads.web.live_setup import start_live

pytestmark = pytest.mark.integration
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def _fields(title: str = "Agenda") -> ConveningFields:
    return ConveningFields(
        title=title,
        description="",
        starts_at=NOW,
        timezone="UTC",
        duration_minutes=90,
        languages=("en", "es"),
        plenary_url="",
        code_of_conduct="Be kind.",
        privacy_mode=PrivacyMode.NAMED,
    )


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'agenda.db'}")
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


async def _host_and_call(db: Database) -> tuple[HostRecord, ConveningRecord]:
    host = await hosts.create_host(
        db, email="h@example.org", display_name="H", password="long password", now=NOW
    )
    return host, await planning.create_convening(db, host, _fields(), now=NOW)


async def _add_round(db: Database, events: Events, host: HostRecord, pid: str) -> planning.Plan:
    return await planning.add_round(
        db,
        events,
        host,
        pid,
        title="Pairs",
        kind=RoundKind.PAIRS,
        group_size=2,
        duration_minutes=10,
    )


async def test_every_agenda_edit_is_announced_once_committed(db: Database) -> None:
    host, call = await _host_and_call(db)
    pid, events = call.public_id, Events()
    plan = await _add_round(db, events, host, pid)
    await _add_round(db, events, host, pid)
    round_id = plan.rounds[0].public_id
    plan = await planning.add_prompt(db, events, host, pid, round_id=round_id, texts={"en": "Why?"})
    prompt_id = plan.rounds[0].prompts[0].public_id
    plan = await planning.update_round(
        db,
        events,
        host,
        pid,
        round_id=round_id,
        title="Meet",
        kind=RoundKind.PAIRS,
        group_size=2,
        duration_minutes=15,
        title_translations={"title_es": "Conocerse"},
    )
    assert plan.rounds[0].title_translations == {"es": "Conocerse"}  # saved with the round
    await planning.update_prompt(db, events, host, pid, prompt_id=prompt_id, texts={"en": "How?"})
    await planning.move_prompt(db, events, host, pid, prompt_id=prompt_id, offset=1)
    await planning.move_round(db, events, host, pid, round_id=round_id, offset=1)
    await planning.remove_prompt(db, events, host, pid, prompt_id=prompt_id)
    await planning.remove_round(db, events, host, pid, round_id=round_id)
    await planning.update_convening(
        db, events, host, pid, _fields("Renamed"), translations={"tr_title_es": "Renombrada"}
    )
    assert events.published == [AgendaChanged(call.id)] * 10
    after = await planning.get_plan_for_host(db, host, pid)
    assert after.convening.title == "Renamed"
    assert after.convening.translations == {"es": {"title": "Renombrada"}}


async def test_a_refused_edit_changes_nothing_and_announces_nothing(db: Database) -> None:
    host, call = await _host_and_call(db)
    plan = await _add_round(db, Events(), host, call.public_id)
    events = Events()
    with pytest.raises(FieldInvalid):
        await planning.update_round(
            db,
            events,
            host,
            call.public_id,
            round_id=plan.rounds[0].public_id,
            title="Changed",
            kind=RoundKind.PAIRS,
            group_size=2,
            duration_minutes=20,
            title_translations={"title_es": "x" * 201},  # over the 200 allowed
        )
    with pytest.raises(FieldInvalid):
        await planning.update_convening(
            db,
            events,
            host,
            call.public_id,
            _fields("Changed"),
            translations={"tr_title_es": "x" * 201},
        )
    assert events.published == []
    after = await planning.get_plan_for_host(db, host, call.public_id)
    assert (after.convening.title, after.rounds[0].title) == ("Agenda", "Pairs")
    assert after.rounds[0].duration_minutes == 10


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_edit_stands_when_the_bus_cannot_announce_it(db: Database, tmp_path: Path) -> None:
    host, call = await _host_and_call(db)
    settings = Settings(data_dir=tmp_path, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    live = start_live(db, settings, ViewCache())
    try:
        plan = await _add_round(db, live.publisher, host, call.public_id)
    finally:
        await live.hub.bus.close()
    assert [r.title for r in plan.rounds] == ["Pairs"]
    after = await planning.get_plan_for_host(db, host, call.public_id)
    assert [r.title for r in after.rounds] == ["Pairs"]
