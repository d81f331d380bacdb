"""Starting a round from a pairing worked out ahead (rounds.plan_round / work_out).

The plan is only an optimisation: these tests check that it is used when nothing changed,
that it is brought up to date for people who came or went, and that a stale one (the event
number or the agenda moved on) falls back to pairing afresh, on a real SQLite file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crossroads.convenings import hosts, invitations, joining, planning, rounds
from crossroads.convenings.errors import PreviewChanged
from crossroads.convenings.invitations import InviteLinks
from crossroads.convenings.live_state import LiveSnapshot, load_snapshot
from crossroads.live.publisher import Events
from crossroads.store import live as live_store
from crossroads.store.convenings import ConveningFields
from crossroads.store.database import Database
from crossroads.store.participants import ProfileFields
from crossroads.store.records import HostRecord, PrivacyMode, RoundKind

pytestmark = pytest.mark.integration
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
LINKS = InviteLinks(base_url="http://127.0.0.1:1", secret_key="k" * 40)


@dataclass
class Call:
    db: Database
    convening_id: int
    public_id: str
    people: list[int]
    host: HostRecord
    token: str


def _profile(name: str) -> ProfileFields:
    return ProfileFields(
        display_name=name,
        organisation=f"{name} Org",
        movements=("climate",),
        region="Andes",
        languages=("en",),
        about="",
        consent_listed=True,
        consent_quoted=False,
    )


@pytest.fixture
async def call(tmp_path: Path) -> AsyncIterator[Call]:
    async with prepared_call(tmp_path) as prepared:
        yield prepared


@asynccontextmanager
async def prepared_call(tmp_path: Path) -> AsyncIterator[Call]:
    """A convening with two rounds of pairs and nine people joined (tests/integration/
    test_live_units.py starts from it too)."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'plans.db'}")
    await db.migrate()
    try:
        host = await hosts.create_host(
            db, email="h@example.org", display_name="H", password="long password", now=NOW
        )
        fields = ConveningFields(
            title="Plans",
            description="",
            starts_at=NOW,
            timezone="UTC",
            duration_minutes=90,
            languages=("en",),
            plenary_url="",
            code_of_conduct="Be kind.",
            privacy_mode=PrivacyMode.NAMED,
        )
        convening = await planning.create_convening(db, host, fields, now=NOW)
        for minutes in (10, 12):
            await planning.add_round(
                db,
                Events(),
                host,
                convening.public_id,
                title="",
                kind=RoundKind.PAIRS,
                group_size=2,
                duration_minutes=minutes,
            )
        shared = await invitations.shared_invite(
            db, host, convening.public_id, LINKS, now=NOW, days=30
        )
        token = LINKS.token(shared)
        people = [
            (
                await joining.join_convening(
                    db, token, _profile(f"P{i}"), coc_accepted=True, now=NOW
                )
            ).id
            for i in range(9)
        ]
        yield Call(db, convening.id, convening.public_id, people, host, token)
    finally:
        await db.dispose()


async def _plan(call: Call, present: list[int]) -> rounds.PairingPlan:
    plan = await rounds.plan_round(call.db, call.convening_id, present=present)
    return rounds.work_out(plan)


def _seated(state: LiveSnapshot) -> list[int]:
    return sorted(m for g in state.groups for m in g.members)


async def test_a_current_plan_is_written_as_worked_out(call: Call) -> None:
    present = call.people[:8]
    worked_out = await _plan(call, present)
    # Groups the engine would not choose by itself, to see that the plan is what is written.
    mine = tuple(
        replace(group, members=(present[i], present[-1 - i]))
        for i, group in enumerate(worked_out.groups)
    )
    plan = replace(worked_out, groups=mine)

    await rounds.start_round(
        call.db, Events(), call.convening_id, present=present, now=NOW, plan=plan
    )
    state = await load_snapshot(call.db, call.convening_id)

    assert plan.state.seq == 0
    assert state.seq == 1
    assert state.round is not None and state.round.duration_minutes == 10
    assert {frozenset(g.members) for g in state.groups} == {frozenset(g.members) for g in mine}
    assert {frozenset(g.members) for g in mine} != {frozenset(g.members) for g in worked_out.groups}


async def test_people_who_came_or_went_since_the_plan_are_placed_or_dropped(call: Call) -> None:
    plan = await _plan(call, call.people[:6])
    present = [*call.people[1:6], *call.people[6:9]]  # the first left; three came

    await rounds.start_round(
        call.db, Events(), call.convening_id, present=present, now=NOW, plan=plan
    )
    state = await load_snapshot(call.db, call.convening_id)

    assert _seated(state) == sorted(present)
    assert all(2 <= len(g.members) <= 3 for g in state.groups)
    # Not re-paired from scratch: planned partners who both stayed are still together.
    kept = [set(g.members) for g in plan.groups if call.people[0] not in g.members]
    assert kept
    assert all(any(pair <= set(g.members) for g in state.groups) for pair in kept)


async def test_people_who_came_since_the_plan_never_leave_anyone_alone(call: Call) -> None:
    plan = await _plan(call, call.people[:2])
    present = call.people[:4]  # placed one by one, the fourth would find every group full

    await rounds.start_round(
        call.db, Events(), call.convening_id, present=present, now=NOW, plan=plan
    )
    state = await load_snapshot(call.db, call.convening_id)

    assert _seated(state) == sorted(present)
    assert all(len(g.members) >= 2 for g in state.groups), state.groups


async def test_a_plan_made_before_another_change_is_not_used(call: Call) -> None:
    present = call.people[:8]
    plan = await _plan(call, present)
    await rounds.broadcast(call.db, Events(), call.convening_id, text="Welcome", now=NOW)

    change = await rounds.start_round(
        call.db, Events(), call.convening_id, present=present, now=NOW, plan=plan
    )
    state = await load_snapshot(call.db, call.convening_id)

    assert change.seq == state.seq == 2
    assert _seated(state) == sorted(present)


async def test_a_plan_made_before_the_agenda_changed_is_not_used(call: Call) -> None:
    present = call.people[:8]
    plan = await _plan(call, present)
    first = plan.round.public_id
    await planning.update_round(
        call.db,
        Events(),
        call.host,
        call.public_id,
        round_id=first,
        title="",
        kind=RoundKind.PAIRS,
        group_size=2,
        duration_minutes=20,
    )

    await rounds.start_round(
        call.db, Events(), call.convening_id, present=present, now=NOW, plan=plan
    )
    state = await load_snapshot(call.db, call.convening_id)

    assert state.round is not None and state.round.duration_minutes == 20
    assert state.run is not None and state.run.ends_at - state.run.started_at == timedelta(
        minutes=20
    )


async def test_the_agenda_is_checked_in_the_transaction_that_writes_the_start(
    call: Call,
) -> None:
    """An agenda edit takes no event number: one that lands after the plan was checked must
    still stop the start, so the check runs where the start is written (#28)."""
    present = call.people[:8]
    plan = await _plan(call, present)
    await planning.update_round(
        call.db,
        Events(),
        call.host,
        call.public_id,
        round_id=plan.round.public_id,
        title="",
        kind=RoundKind.PAIRS,
        group_size=2,
        duration_minutes=20,
    )
    events = Events()

    with pytest.raises(PreviewChanged):
        await rounds._write_start(call.db, events, plan, now=NOW, checked=True)
    state = await load_snapshot(call.db, call.convening_id)

    assert (state.seq, state.run, events.published) == (0, None, [])


async def test_the_event_number_is_compared_and_set(call: Call) -> None:
    async with call.db.transaction() as tx:
        first = await live_store.bump_seq_from(tx, call.convening_id, 0)
    async with call.db.transaction() as tx:
        stale = await live_store.bump_seq_from(tx, call.convening_id, 0)
        plain = await live_store.bump_seq(tx, call.convening_id)
    async with call.db.transaction() as tx:
        now = await live_store.get_seq(tx, call.convening_id)

    assert (first, stale, plain, now) == (1, None, 2, 2)
