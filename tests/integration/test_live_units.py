"""Block, remove and depart are each one unit of work (#28): every seat change they imply
happens in one transaction that takes one event number, and one typed event is announced.

They used to run four to six transactions each (a block: the block, the blocker's seat, the
lone partner's seat and placement, the blocker's placement, the new labels, each committed on
its own and some taking event numbers of their own), so a failure between two left half a
change and the event numbers jumped. Real SQLite file, the use cases called directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from crossroads.convenings import invitations, moderation, presence, rounds
from crossroads.convenings.invitations import LinkRenewal
from crossroads.convenings.live_state import LiveSnapshot, load_snapshot
from crossroads.live import events as ev
from crossroads.live.publisher import Events
from crossroads.store.errors import NotFound
from tests.integration.test_round_plans import LINKS, NOW, Call, prepared_call

pytestmark = pytest.mark.integration
GRACE = timedelta(seconds=30)


@pytest.fixture
async def call(tmp_path: Path) -> AsyncIterator[Call]:
    async with prepared_call(tmp_path) as prepared:
        yield prepared


async def _started(call: Call, present: list[int]) -> LiveSnapshot:
    await rounds.start_round(call.db, Events(), call.convening_id, present=present, now=NOW)
    return await load_snapshot(call.db, call.convening_id)


def _together(state: LiveSnapshot, a: int, b: int) -> bool:
    group = state.group_of(a)
    return group is not None and b in group.present


async def test_a_block_between_partners_is_one_change(call: Call) -> None:
    before = await _started(call, call.people[:4])  # two pairs
    pair = before.groups[0]
    blocker, other = (before.people[m] for m in pair.members)
    events = Events()

    blocked = await moderation.block_person(call.db, events, blocker, other.public_id, now=NOW)

    after = await load_snapshot(call.db, call.convening_id)
    assert after.seq == before.seq + 1 == blocked.seq
    assert events.published == [blocked]
    assert isinstance(blocked, ev.PersonBlocked)
    assert not _together(after, blocker.id, other.id)
    assert frozenset({blocker.id, other.id}) in after.blocked
    # Everyone keeps a seat, the partner left behind is not alone, and everyone whose group
    # changed is told.
    assert sorted(m for g in after.groups for m in g.present) == sorted(call.people[:4])
    other_group = after.group_of(other.id)
    assert other_group is not None and len(other_group.present) >= 2
    assert set(call.people[:4]) <= blocked.touched


async def test_a_removal_that_leaves_a_partner_alone_is_one_change(call: Call) -> None:
    before = await _started(call, call.people[:4])
    removed, partner = before.groups[0].members
    old_link = await invitations.shared_invite(
        call.db, call.host, call.public_id, LINKS, now=NOW, days=30
    )
    events = Events()

    gone = await moderation.remove_person(
        call.db,
        events,
        call.convening_id,
        participant_public_id=before.people[removed].public_id,
        now=NOW,
        renew_link=LinkRenewal(LINKS, 30),
    )

    after = await load_snapshot(call.db, call.convening_id)
    assert after.seq == before.seq + 1 == gone.seq
    assert events.published == [gone]
    assert (gone.participant_id, gone.convening_public_id) == (removed, call.public_id)
    assert removed in after.removed and after.group_of(removed) is None
    partner_group = after.group_of(partner)
    assert partner_group is not None and len(partner_group.present) == 3
    # The shared link was renewed in the same unit of work.
    new_link = await invitations.shared_invite(
        call.db, call.host, call.public_id, LINKS, now=NOW, days=30
    )
    assert new_link.id != old_link.id


async def test_a_departure_that_leaves_a_partner_alone_is_one_change(call: Call) -> None:
    before = await _started(call, call.people[:4])
    leaving, partner = before.groups[0].members
    events = Events()

    left = await presence.depart(call.db, events, leaving, call.convening_id, now=NOW, grace=GRACE)

    after = await load_snapshot(call.db, call.convening_id)
    assert isinstance(left, ev.PartnerReplaced)
    assert after.seq == before.seq + 1 == left.seq
    assert events.published == [left]
    partner_group = after.group_of(partner)
    assert partner_group is not None and len(partner_group.present) == 3


async def test_a_refused_command_changes_nothing_and_announces_nothing(call: Call) -> None:
    before = await _started(call, call.people[:4])
    events = Events()
    blocker = before.people[call.people[0]]

    with pytest.raises(NotFound):
        await moderation.remove_person(
            call.db, events, call.convening_id, participant_public_id="nobody", now=NOW
        )
    with pytest.raises(NotFound):
        await moderation.block_person(call.db, events, blocker, blocker.public_id, now=NOW)

    after = await load_snapshot(call.db, call.convening_id)
    assert after.seq == before.seq
    assert after.blocked == before.blocked and after.removed == before.removed
    assert events.published == []
