"""What the shared-notes socket asks of a convening (#28), so web/ reaches the store only for
sessions and types:

- ``notes_standing``: may the person on a notes ticket still come in (not removed), and may they
  write (not muted)? Read once, when the socket opens.
- ``record_cut_off``: the CRDT guard cut a person off for a malformed update (web/crdt_panic.py):
  mute them (their edits are refused when they come back, until a host unmutes them) and leave
  a report the hosts see. One transaction, which also takes the next event number so the hosts'
  next view shows the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crossroads.convenings.safety import ReportReason
from crossroads.store import live as live_store
from crossroads.store import participants as participant_store
from crossroads.store import safety as safety_store
from crossroads.store.database import Database

CUT_OFF_DETAILS = "notes connection cut: malformed update (recorded by the server)"


@dataclass(frozen=True, slots=True)
class NotesStanding:
    removed: bool  # a host removed them: the socket is closed
    muted: bool  # they read along; the room drops their edits


async def notes_standing(db: Database, participant_id: int) -> NotesStanding:
    async with db.transaction() as tx:
        removed = await safety_store.is_removed(tx, participant_id)
        muted = await safety_store.is_muted(tx, participant_id)
    return NotesStanding(removed=removed, muted=muted)


async def record_cut_off(db: Database, participant_id: int, *, now: datetime) -> None:
    async with db.transaction() as tx:
        person = await participant_store.get_participant(tx, participant_id)
        await safety_store.set_muted(tx, person.convening_id, person.id, True, now)
        # There is no reporter: the person is named on both sides, so the hosts' list (which
        # shows reports between participants) shows it as theirs.
        await safety_store.add_report(
            tx,
            convening_id=person.convening_id,
            reporter_id=person.id,
            reported_id=person.id,
            reason=str(ReportReason.DISRUPTION),
            details=CUT_OFF_DETAILS,
            run_number=None,
            now=now,
        )
        await live_store.bump_seq(tx, person.convening_id)
