"""Hybrid gatherings (#32): venues, who is in which room, each round's mode, and where each
group meets (a table, a call, or a table joined to a call through one device).

Where a group meets is worked out from the state (the groups, the people's places, the
round's mode), never stored: every node and every view agree on it, and a group keeps its
table while its round runs because groups keep their numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from crossroads import pairing
from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.live_state import LiveSnapshot, Phase
from crossroads.convenings.planning import Plan, get_plan_by_id, get_plan_for_host
from crossroads.convenings.tokens import new_public_id, new_token
from crossroads.convenings.venue_modes import round_mode, with_places
from crossroads.live.events import LiveEvent
from crossroads.live.publisher import Events, Unit
from crossroads.messages import N_
from crossroads.signing import same
from crossroads.store import live as live_store
from crossroads.store import participants as participant_store
from crossroads.store import venues as venue_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.participants import ProfileFields
from crossroads.store.records import HostRecord, ParticipantRecord
from crossroads.store.venues import HybridRecord, VenueRecord
from crossroads.text_input import UnsafeText, clean_line

Translate = Callable[[str], str]

MAX_VENUES = 20
MAX_TABLES = 300
MAX_LABEL = 12
MODES = tuple(m.value for m in pairing.Mode)
MODE_LABELS = {
    "online": N_("Online: everyone meets in a call"),
    "in_person": N_("In person: people in the room meet at a table"),
    "mixed": N_("Mixed: each table meets online people through one device"),
}
_RANGE = re.compile(r"^(\d{1,4})\s*-\s*(\d{1,4})$")
_LABEL = re.compile(r"^[\w.#/-]{1,12}$", re.UNICODE)

__all__ = ["HybridRecord", "VenueRecord", "round_mode", "with_places"]


@dataclass(frozen=True)
class VenuesChanged(LiveEvent):
    """Venues or who is in which room changed: everyone's view is rebuilt (a table line, the
    projector's tables)."""

    kind: ClassVar[str] = "venues_changed"


# --- tables -----------------------------------------------------------------------------------


def parse_tables(text: str) -> tuple[str, ...]:
    """``"1-4, 7, Stage"`` -> ("1", "2", "3", "4", "7", "Stage"); a clear error otherwise."""
    labels: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        found = _RANGE.match(part)
        if found:
            first, last = int(found.group(1)), int(found.group(2))
            if last < first:
                raise FieldInvalid("tables", N_("The range {range} runs backwards."), range=part)
            if last - first + 1 > MAX_TABLES:
                raise FieldInvalid("tables", N_("At most {most} tables."), most=MAX_TABLES)
            labels.extend(str(n) for n in range(first, last + 1))
        elif _LABEL.match(part):
            labels.append(part)
        else:
            raise FieldInvalid(
                "tables",
                N_(
                    "{label} is not a table number: use numbers, ranges like 1-12, or short "
                    "names, separated by commas."
                ),
                label=part[:40],
            )
        if len(labels) > MAX_TABLES:
            raise FieldInvalid("tables", N_("At most {most} tables."), most=MAX_TABLES)
    if not labels:
        raise FieldInvalid("tables", N_("Give at least one table number, for example 1-10."))
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise FieldInvalid("tables", N_("Table {label} is listed twice."), label=label)
        seen.add(label)
    return tuple(labels)


def tables_text(tables: Sequence[str]) -> str:
    """The form's text for a list of tables: runs of numbers as ranges."""
    parts: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if run:
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
            run.clear()

    for label in tables:
        if label.isdigit() and (not run or int(label) == run[-1] + 1) and label == str(int(label)):
            run.append(int(label))
            continue
        flush()
        if label.isdigit() and label == str(int(label)):
            run.append(int(label))
        else:
            parts.append(label)
    flush()
    return ", ".join(parts)


def _clean_name(field: str, value: str, *, required: bool) -> str:
    try:
        value = clean_line(value)
    except UnsafeText as exc:
        raise FieldInvalid(field, exc.message) from None
    value = " ".join(value.split())
    if required and not value:
        raise FieldInvalid(field, N_("Give it a name."))
    if len(value) > 120:
        raise FieldInvalid(field, N_("Use at most {most} characters."), most=120)
    return value


# --- host: venues -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VenuePage:
    plan: Plan
    venues: tuple[VenueRecord, ...]
    people: tuple[ParticipantRecord, ...]
    place_of: dict[int, str]  # participant id -> venue public id ("" online)
    no_phone: frozenset[int]
    round_modes: dict[str, str]  # round public id -> mode


async def venue_page(db: Database, host: HostRecord, public_id: str) -> VenuePage:
    plan = await get_plan_for_host(db, host, public_id)
    async with db.transaction() as tx:
        hybrid = await venue_store.hybrid_state(tx, plan.convening.id)
        people = await participant_store.list_participants(tx, plan.convening.id)
    by_id = {v.id: v.public_id for v in hybrid.venues}
    return VenuePage(
        plan=plan,
        venues=hybrid.venues,
        people=tuple(people),
        place_of={pid: by_id.get(vid, "") for pid, vid in hybrid.place_of.items()},
        no_phone=hybrid.no_phone,
        round_modes={r.public_id: hybrid.round_modes.get(r.id, "online") for r in plan.rounds},
    )


async def add_venue(
    db: Database,
    host: HostRecord,
    public_id: str,
    *,
    name: str,
    room: str,
    tables: str,
    now: datetime,
) -> VenueRecord:
    plan = await get_plan_for_host(db, host, public_id)
    clean = _clean_name("name", name, required=True)
    clean_room = _clean_name("room", room, required=False)
    labels = parse_tables(tables)
    async with db.transaction() as tx:
        if len(await venue_store.list_venues(tx, plan.convening.id)) >= MAX_VENUES:
            raise FieldInvalid(
                "name", N_("A convening has at most {most} venues."), most=MAX_VENUES
            )
        return await venue_store.insert_venue(
            tx,
            convening_id=plan.convening.id,
            public_id=new_public_id(),
            name=clean,
            room=clean_room,
            tables=labels,
            projector_key=new_token(),
            now=now,
        )


async def venue_for_host(
    db: Database, host: HostRecord, public_id: str, venue_public_id: str
) -> tuple[Plan, VenueRecord]:
    """The host's venue; ``NotFound`` for another host's convening or another convening's venue."""
    plan = await get_plan_for_host(db, host, public_id)
    async with db.transaction() as tx:
        return plan, await venue_store.get_venue(tx, plan.convening.id, venue_public_id)


async def edit_venue(
    db: Database,
    events: Events,
    host: HostRecord,
    public_id: str,
    venue_public_id: str,
    *,
    name: str,
    room: str,
    tables: str,
) -> None:
    plan, venue = await venue_for_host(db, host, public_id, venue_public_id)
    clean = _clean_name("name", name, required=True)
    clean_room = _clean_name("room", room, required=False)
    labels = parse_tables(tables)
    async with events.unit(db.transaction()) as unit:
        await venue_store.update_venue(
            unit.tx, venue.id, name=clean, room=clean_room, tables=labels
        )
        await _changed(unit, plan.convening.id)


async def remove_venue(
    db: Database, events: Events, host: HostRecord, public_id: str, venue_public_id: str
) -> None:
    """The venue goes; its people are online from the next view on."""
    plan, venue = await venue_for_host(db, host, public_id, venue_public_id)
    async with events.unit(db.transaction()) as unit:
        await venue_store.delete_venue(unit.tx, venue.id)
        await _changed(unit, plan.convening.id)


async def _changed(unit: Unit[Any], convening_id: int) -> None:
    """Take the next event number and announce the change once the unit commits."""
    unit.record(VenuesChanged(convening_id, await live_store.bump_seq(unit.tx, convening_id)))


async def set_round_mode(
    db: Database, host: HostRecord, public_id: str, round_public_id: str, mode: str
) -> None:
    plan = await get_plan_for_host(db, host, public_id)
    round_ = next((r for r in plan.rounds if r.public_id == round_public_id), None)
    if round_ is None:
        raise NotFound("round")
    if mode not in MODES:
        raise FieldInvalid("mode", N_("Choose online, in person or mixed."))
    async with db.transaction() as tx:
        await venue_store.set_round_mode(tx, round_.id, mode)


async def _venue_by_public_id(db: Database, convening_id: int, venue_public_id: str) -> int | None:
    """The venue's id for a form's value ("" is online); another convening's venue is an error."""
    if not venue_public_id:
        return None
    async with db.transaction() as tx:
        try:
            return (await venue_store.get_venue(tx, convening_id, venue_public_id)).id
        except NotFound:
            raise FieldInvalid(
                "place", N_("Choose a venue of this convening, or online.")
            ) from None


async def set_person_place(
    db: Database,
    events: Events,
    host: HostRecord,
    public_id: str,
    participant_public_id: str,
    venue_public_id: str,
) -> None:
    """The host moves someone into a room or online (applies from the next round)."""
    plan = await get_plan_for_host(db, host, public_id)
    venue_id = await _venue_by_public_id(db, plan.convening.id, venue_public_id)
    async with events.unit(db.transaction()) as unit:
        tx = unit.tx
        people = await participant_store.list_participants(tx, plan.convening.id)
        person = next((p for p in people if p.public_id == participant_public_id), None)
        if person is None:
            raise NotFound("participant")
        hybrid = await venue_store.hybrid_state(tx, plan.convening.id)
        await venue_store.set_place(tx, person.id, venue_id, no_phone=person.id in hybrid.no_phone)
        await _changed(unit, plan.convening.id)


async def add_person_without_phone(
    db: Database,
    events: Events,
    host: HostRecord,
    public_id: str,
    *,
    name: str,
    venue_public_id: str,
    languages: Sequence[str],
    now: datetime,
) -> None:
    """Someone in the room without a phone: the host adds them; their table's screens show
    them, and they are never their table's call device."""
    plan = await get_plan_for_host(db, host, public_id)
    clean = _clean_name("display_name", name, required=True)[:80]
    if not venue_public_id:
        raise FieldInvalid("place", N_("Choose the venue they are in."))
    venue_id = await _venue_by_public_id(db, plan.convening.id, venue_public_id)
    spoken = tuple(code for code in languages if code in plan.convening.languages)
    async with events.unit(db.transaction()) as unit:
        tx = unit.tx
        person = await participant_store.insert_participant(
            tx,
            convening_id=plan.convening.id,
            public_id=new_public_id(),
            invite_id=None,
            email="",
            profile=ProfileFields(
                display_name=clean,
                organisation="",
                movements=(),
                region="",
                languages=spoken or tuple(plan.convening.languages[:1]),
                about="",
                consent_listed=False,
                consent_quoted=False,
            ),
            now=now,
        )
        await venue_store.set_place(tx, person.id, venue_id, no_phone=True)
        await _changed(unit, plan.convening.id)


# --- joining ----------------------------------------------------------------------------------


async def join_choices(db: Database, plan: Plan) -> tuple[VenueRecord, ...]:
    async with db.transaction() as tx:
        return tuple(await venue_store.list_venues(tx, plan.convening.id))


def chosen_place(venues: Sequence[VenueRecord], value: str) -> VenueRecord | None:
    """The venue a join form names ("" or nothing: online); ``FieldInvalid`` for a stranger."""
    if not value:
        return None
    found = next((v for v in venues if v.public_id == value), None)
    if found is None:
        raise FieldInvalid("place", N_("Choose a venue of this convening, or online."))
    return found


async def record_join_place(
    db: Database, participant: ParticipantRecord, venue: VenueRecord | None
) -> None:
    if venue is not None and venue.convening_id != participant.convening_id:
        raise NotFound("venue")
    async with db.transaction() as tx:
        await venue_store.set_place(tx, participant.id, venue.id if venue else None)


# --- where each group meets -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seat:
    """Where a group meets this round."""

    kind: str  # "online", "in_person" or "mixed"
    venue: VenueRecord | None = None
    table: str = ""  # "" when the venue has run out of numbered tables
    in_room: tuple[int, ...] = ()
    online: tuple[int, ...] = ()
    device: int | None = None  # the in-room member whose phone joins the group's call


def seats(state: LiveSnapshot) -> dict[int, Seat]:
    """Group number -> where it meets, for the current round; {} when nobody is in a room."""
    hybrid = state.hybrid
    if not hybrid.venues or state.run is None or state.round is None:
        return {}
    mode = round_mode(hybrid, state.round)
    if mode is pairing.Mode.ONLINE:
        return {}
    free = {v.id: list(v.tables) for v in hybrid.venues}
    result: dict[int, Seat] = {}
    for group in sorted(state.groups, key=lambda g: g.number):
        in_room = tuple(m for m in group.members if m in hybrid.place_of)
        online = tuple(m for m in group.members if m not in hybrid.place_of)
        if not in_room:
            result[group.number] = Seat(kind="online", online=online)
            continue
        # The venue most of the group's room people are in (pairing keeps it one venue).
        venue_ids = [hybrid.place_of[m] for m in in_room]
        venue_id = max(set(venue_ids), key=venue_ids.count)
        venue = hybrid.venue(venue_id)
        tables = free.get(venue_id, [])
        table = tables.pop(0) if tables else ""
        device = None
        if online:
            phones = [
                m for m in sorted(in_room) if m not in hybrid.no_phone and m not in group.away
            ]
            device = phones[0] if phones else None
        result[group.number] = Seat(
            kind="mixed" if online else "in_person",
            venue=venue,
            table=table,
            in_room=in_room,
            online=online,
            device=device,
        )
    return result


def _names(names: Sequence[str], translate: Translate) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return translate(N_("{first} and {last}")).format(first=", ".join(names[:-1]), last=names[-1])


def _table_words(seat: Seat, translate: Translate) -> str:
    return (
        translate(N_("Table {table}")).format(table=seat.table)
        if seat.table
        else translate(N_("A free spot"))
    )


def place_view(
    state: LiveSnapshot, participant_id: int, seat: Seat, translate: Translate
) -> dict[str, Any]:
    """What a member's round screen says about where their group meets."""
    people = state.people
    name = {pid: people[pid].display_name for pid in (*seat.in_room, *seat.online) if pid in people}
    others_room = [name[m] for m in seat.in_room if m != participant_id and m in name]
    others_online = [name[m] for m in seat.online if m != participant_id and m in name]
    you_in_room = participant_id in seat.in_room
    venue = seat.venue
    lines: list[str] = []
    if seat.kind == "online":
        heading = ""
    elif you_in_room:
        heading = translate(N_("{table}, with {names}")).format(
            table=_table_words(seat, translate),
            names=_names(others_room + others_online, translate) or translate(N_("nobody yet")),
        )
        if seat.kind == "mixed":
            if seat.device == participant_id:
                lines.append(
                    translate(
                        N_(
                            "Your phone is the table's device: keep the call open on the table so "
                            "{names} can hear and see you all."
                        )
                    ).format(names=_names(others_online, translate))
                )
            elif seat.device is not None and seat.device in name:
                lines.append(
                    translate(
                        N_("{names} join online, through {device}'s phone on the table.")
                    ).format(names=_names(others_online, translate), device=name[seat.device])
                )
            else:
                lines.append(
                    translate(
                        N_("{names} join online: open the call on one device at the table.")
                    ).format(names=_names(others_online, translate))
                )
    else:
        heading = translate(N_("You meet {names}, at {table} in {venue}")).format(
            names=_names(others_room + others_online, translate),
            table=_table_words(seat, translate),
            venue=venue.name if venue else "",
        )
        lines.append(
            translate(
                N_(
                    "They are in the room together and join your call through one device "
                    "at their table."
                )
            )
        )
    if seat.kind == "in_person" or (
        seat.kind == "mixed" and you_in_room and seat.device != participant_id
    ):
        call_members: list[str] | None = []
    elif seat.kind == "mixed":
        call_ids = [*seat.online, *([seat.device] if seat.device is not None else [])]
        call_members = [people[m].public_id for m in call_ids if m in people]
    else:
        call_members = None
    return {
        "mode": seat.kind,
        "venue": venue.name if venue else "",
        "room": venue.room if venue else "",
        "table": seat.table,
        "heading": heading,
        "lines": lines,
        "in_room": you_in_room,
        "device": seat.device == participant_id,
        "call_members": call_members,
    }


# --- projector --------------------------------------------------------------------------------


async def projector_venue(db: Database, venue_public_id: str, key: str) -> VenueRecord:
    """The venue a projector link names, if its key is right (``NotFound`` otherwise, the
    same for a wrong key and an unknown venue)."""
    async with db.transaction() as tx:
        venue = await venue_store.find_venue(tx, venue_public_id)
    if venue is None or not key or not same(key, venue.projector_key):
        raise NotFound("venue")
    return venue


async def host_projector_venue(db: Database, host: HostRecord, venue_public_id: str) -> VenueRecord:
    """The venue, if it belongs to one of this host's convenings."""
    async with db.transaction() as tx:
        venue = await venue_store.find_venue(tx, venue_public_id)
    if venue is None:
        raise NotFound("venue")
    plan = await get_plan_by_id(db, venue.convening_id)
    if plan.convening.host_id != host.id:
        raise NotFound("venue")
    return venue


def projector_view(
    state: LiveSnapshot,
    venue: VenueRecord,
    *,
    now: datetime,
    grace: timedelta,
    common: dict[str, Any],
    translate: Translate,
) -> dict[str, Any]:
    """The venue's wall: round, clock, prompts and where each table goes. Only first names
    of the people in this room (they see each other anyway); online people are counted,
    never named, on a screen anyone in the room can photograph."""
    phase = state.phase(now, grace)
    tables: list[dict[str, Any]] = []
    talking = phase in (Phase.RUNNING, Phase.WRAP_UP, Phase.OVER)
    if talking:
        for seat in seats(state).values():
            if seat.venue is None or seat.venue.id != venue.id:
                continue
            names = [
                state.people[m].display_name.split(" ")[0]
                for m in seat.in_room
                if m in state.people
            ]
            tables.append(
                {
                    "table": _table_words(seat, translate),
                    "people": names,
                    "online": len(seat.online),
                    "mode": seat.kind,
                }
            )
    return {
        "v": 1,
        "type": "snapshot",
        "seq": common["seq"],
        "now": common["now"],
        "phase": common["phase"],
        "title": common["title"],
        "round": common["round"],
        "venue": {"name": venue.name, "room": venue.room},
        "mode": str(round_mode(state.hybrid, state.round)),
        "tables": tables,
    }


_SEATS = ("venues", "seats")  # key in a fan-out's shared cache (the others are languages)


def with_place(
    state: LiveSnapshot,
    participant_id: int,
    text: str,
    translate: Translate,
    cache: dict[Any, Any],
) -> str:
    """A participant's view with where their group meets (a table, a table joined to a call),
    and without the call for someone in the room whose table's device holds it. Unchanged
    (the same text) in a convening without venues or in a round held online."""
    if not state.hybrid.venues or state.run is None:
        return text
    found = cache.get(_SEATS)
    if found is None:
        found = cache[_SEATS] = seats(state)
    group = state.group_of(participant_id)
    seat = found.get(group.number) if group is not None else None
    if seat is None or seat.kind == "online":
        return text
    view = json.loads(text)
    if view.get("group") is None:
        return text
    place = place_view(state, participant_id, seat, translate)
    view["place"] = place
    if place["call_members"] == []:
        view.pop("call", None)  # talks at the table: no call on this phone
    return json.dumps(view)
