"""Safety in a live call: reports to the hosts, muting a person, locking the convening.

Blocks and removals are in ``moderation`` because they re-pair people; these three never
move anyone. Each writes in one unit of work that also takes the next event number and
records a typed event (live/events.py), announced by the publisher once committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.planning import Plan
from crossroads.live.events import ConveningLocked, PersonMuted, PersonReported, ReportDismissed
from crossroads.live.publisher import Events
from crossroads.messages import N_
from crossroads.store import convenings as convening_store
from crossroads.store import live as live_store
from crossroads.store import participants as participant_store
from crossroads.store import safety as safety_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import ParticipantRecord

MAX_REPORT_CHARS = 2000


class ReportReason(StrEnum):
    HARASSMENT = "harassment"
    DISCRIMINATION = "discrimination"
    THREAT = "threat"
    PRIVACY = "privacy"
    DISRUPTION = "disruption"
    OTHER = "other"


# Labels for forms and the hosts' list, in the order the form offers them.
REASON_LABELS: dict[ReportReason, str] = {
    ReportReason.HARASSMENT: N_("Harassment or unwanted contact"),
    ReportReason.DISCRIMINATION: N_("Hateful or discriminatory words"),
    ReportReason.THREAT: N_("Threats, or I feel unsafe"),
    ReportReason.PRIVACY: N_("Recording, photos or sharing what was said without consent"),
    ReportReason.DISRUPTION: N_("Disrupting the conversation"),
    ReportReason.OTHER: N_("Something else"),
}


@dataclass(frozen=True, slots=True)
class Met:
    """Someone the reporter shared a group with, and the last round they were together."""

    public_id: str
    display_name: str
    run_number: int


@dataclass(frozen=True, slots=True)
class ReportView:
    """A report as hosts see it: both names, whatever the privacy mode (safety needs it)."""

    id: int
    reporter: str
    reported: str
    reported_public_id: str
    reason: ReportReason
    details: str
    run_number: int | None
    created_at: datetime
    # Recorded by the server, not a person: the notes engine cut this person off (#26; the
    # report names them on both sides, as nobody can report themselves).
    by_server: bool = False
    dismissed: bool = False


async def people_met(db: Database, participant: ParticipantRecord) -> list[Met]:
    """Whom this participant may report: people they were grouped with in this convening."""
    async with db.transaction() as tx:
        partners = await safety_store.met_partners(tx, participant.convening_id, participant.id)
        everyone = await participant_store.list_participants(tx, participant.convening_id)
    return sorted(
        (Met(p.public_id, p.display_name, partners[p.id]) for p in everyone if p.id in partners),
        key=lambda m: (-m.run_number, m.display_name.casefold()),
    )


async def report_person(
    db: Database,
    events: Events,
    participant: ParticipantRecord,
    *,
    reported_public_id: str,
    reason: str,
    details: str,
    now: datetime,
) -> PersonReported:
    """Tell the hosts about someone you met. The reported person is never told and never
    sees the report; only the hosts' console and reports page list it."""
    try:
        why = ReportReason(reason)
    except ValueError:
        raise FieldInvalid("reason", N_("Choose a reason.")) from None
    details = details.strip()
    if len(details) > MAX_REPORT_CHARS:
        raise FieldInvalid("details", N_("Keep it under {most} characters."), most=MAX_REPORT_CHARS)
    async with events.unit(db.transaction()) as unit:
        tx = unit.tx
        everyone = await participant_store.list_participants(tx, participant.convening_id)
        reported = next((p for p in everyone if p.public_id == reported_public_id), None)
        if reported is None or reported.id == participant.id:
            # Another convening's id, or a made-up one: this convening has no such person.
            raise NotFound("participant")
        partners = await safety_store.met_partners(tx, participant.convening_id, participant.id)
        if reported.id not in partners:
            raise FieldInvalid("reported", N_("Choose someone you were in a group with."))
        await safety_store.add_report(
            tx,
            convening_id=participant.convening_id,
            reporter_id=participant.id,
            reported_id=reported.id,
            reason=str(why),
            details=details,
            run_number=partners[reported.id],
            now=now,
        )
        seq = await live_store.bump_seq(tx, participant.convening_id)
        # Nobody's participant view changes: hosts' consoles refresh, nobody else's.
        return unit.record(PersonReported(participant.convening_id, seq))


async def reports_for_host(db: Database, plan: Plan) -> list[ReportView]:
    """Every report of the convening, newest first; the caller holds the host-scoped plan."""
    async with db.transaction() as tx:
        reports = await safety_store.list_reports(tx, plan.convening.id)
        everyone = {
            p.id: p for p in await participant_store.list_participants(tx, plan.convening.id)
        }
    return [
        ReportView(
            id=r.id,
            reporter=everyone[r.reporter_id].display_name,
            reported=everyone[r.reported_id].display_name,
            reported_public_id=everyone[r.reported_id].public_id,
            reason=ReportReason(r.reason),
            details=r.details,
            run_number=r.run_number,
            created_at=r.created_at,
            by_server=r.reporter_id == r.reported_id,
            dismissed=r.dismissed_at is not None,
        )
        for r in reports
        if r.reporter_id in everyone and r.reported_id in everyone
    ]


@dataclass(frozen=True, slots=True)
class RejoinView:
    """A removed person who tried to come back, as hosts see it: who, how they were
    recognised ("browser", "email" or "link"), through which kind of link, how often."""

    name: str
    matched: str
    invite_kind: str
    tries: int
    last_at: datetime


async def rejoin_attempts_for_host(db: Database, plan: Plan) -> list[RejoinView]:
    """Refused tries to join again after a removal (#26), latest first; the caller holds the
    host-scoped plan."""
    async with db.transaction() as tx:
        attempts = await safety_store.list_rejoin_attempts(tx, plan.convening.id)
        everyone = {
            p.id: p for p in await participant_store.list_participants(tx, plan.convening.id)
        }
    return [
        RejoinView(
            name=everyone[a.participant_id].display_name,
            matched=a.matched,
            invite_kind=a.invite_kind,
            tries=a.tries,
            last_at=a.last_at,
        )
        for a in attempts
        if a.participant_id in everyone
    ]


async def mute_person(
    db: Database,
    events: Events,
    convening_id: int,
    *,
    participant_public_id: str,
    muted: bool,
    now: datetime,
) -> PersonMuted:
    """Mute (or unmute) someone: while muted, their edits to the shared notes are refused
    (the publisher closes their notes sockets once this has committed, so they reconnect
    read-only, or writable again)."""
    async with events.unit(db.transaction()) as unit:
        tx = unit.tx
        convening = await convening_store.get_convening_by_id(tx, convening_id)
        everyone = await participant_store.list_participants(tx, convening_id)
        person = next((p for p in everyone if p.public_id == participant_public_id), None)
        if person is None:
            raise NotFound("participant")
        await safety_store.set_muted(tx, convening_id, person.id, muted, now)
        seq = await live_store.bump_seq(tx, convening_id)
        return unit.record(PersonMuted(convening_id, seq, person.id, muted, convening.public_id))


async def dismiss_report(
    db: Database, events: Events, convening_id: int, report_id: int, *, now: datetime
) -> ReportDismissed:
    """A host dismisses a report of their convening (another convening's id: not found)."""
    async with events.unit(db.transaction()) as unit:
        if not await safety_store.dismiss_report(unit.tx, convening_id, report_id, now):
            raise NotFound("report")
        seq = await live_store.bump_seq(unit.tx, convening_id)
        return unit.record(ReportDismissed(convening_id, seq))


async def is_muted(db: Database, participant_id: int) -> bool:
    async with db.transaction() as tx:
        return await safety_store.is_muted(tx, participant_id)


async def lock_convening(
    db: Database, events: Events, convening_id: int, *, locked: bool
) -> ConveningLocked:
    """Lock: nobody new can join (people already in stay, and may rejoin from their own
    personal link). Unlock opens the invite links again."""
    async with events.unit(db.transaction()) as unit:
        await live_store.set_locked(unit.tx, convening_id, locked)
        seq = await live_store.bump_seq(unit.tx, convening_id)
        return unit.record(ConveningLocked(convening_id, seq, locked=locked))
