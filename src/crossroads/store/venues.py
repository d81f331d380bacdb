"""Venues of a convening, who is in which room, and how each round meets (#32)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import Participant, Round, RoundMode, Venue, VenuePresence

_EMPTY: Mapping[int, int] = MappingProxyType({})
_NO_MODES: Mapping[int, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class VenueRecord:
    id: int
    public_id: str
    convening_id: int
    name: str
    room: str
    tables: tuple[str, ...]
    projector_key: str


@dataclass(frozen=True, slots=True)
class HybridRecord:
    """A convening's venues, who is in which room and each round's mode, read at once."""

    venues: tuple[VenueRecord, ...] = ()
    place_of: Mapping[int, int] = field(default_factory=lambda: _EMPTY)  # participant -> venue
    no_phone: frozenset[int] = frozenset()
    round_modes: Mapping[int, str] = field(default_factory=lambda: _NO_MODES)  # round id -> mode

    def venue(self, venue_id: int) -> VenueRecord | None:
        return next((v for v in self.venues if v.id == venue_id), None)

    def __hash__(self) -> int:  # mappings are not hashable; the venues say enough for a key
        return hash((self.venues, self.no_phone, tuple(sorted(self.place_of.items()))))


def _record(row: Venue) -> VenueRecord:
    return VenueRecord(
        id=row.id,
        public_id=row.public_id,
        convening_id=row.convening_id,
        name=row.name,
        room=row.room,
        tables=tuple(row.tables),
        projector_key=row.projector_key,
    )


async def list_venues(tx: AsyncSession, convening_id: int) -> list[VenueRecord]:
    rows = await tx.scalars(
        select(Venue).where(Venue.convening_id == convening_id).order_by(Venue.id)
    )
    return [_record(r) for r in rows]


async def get_venue(tx: AsyncSession, convening_id: int, public_id: str) -> VenueRecord:
    """A venue of this convening; ``NotFound`` for any other (another convening's too)."""
    row = await tx.scalar(
        select(Venue).where(Venue.convening_id == convening_id, Venue.public_id == public_id)
    )
    if row is None:
        raise NotFound("venue")
    return _record(row)


async def find_venue(tx: AsyncSession, public_id: str) -> VenueRecord | None:
    row = await tx.scalar(select(Venue).where(Venue.public_id == public_id))
    return None if row is None else _record(row)


async def insert_venue(
    tx: AsyncSession,
    *,
    convening_id: int,
    public_id: str,
    name: str,
    room: str,
    tables: tuple[str, ...],
    projector_key: str,
    now: datetime,
) -> VenueRecord:
    row = Venue(
        convening_id=convening_id,
        public_id=public_id,
        name=name,
        room=room,
        tables=list(tables),
        projector_key=projector_key,
        created_at=now,
    )
    tx.add(row)
    await tx.flush()
    return _record(row)


async def update_venue(
    tx: AsyncSession, venue_id: int, *, name: str, room: str, tables: tuple[str, ...]
) -> None:
    row = await tx.get(Venue, venue_id)
    if row is None:
        raise NotFound("venue")
    row.name, row.room, row.tables = name, room, list(tables)


async def delete_venue(tx: AsyncSession, venue_id: int) -> None:
    await tx.execute(delete(VenuePresence).where(VenuePresence.venue_id == venue_id))
    await tx.execute(delete(Venue).where(Venue.id == venue_id))


async def set_place(
    tx: AsyncSession, participant_id: int, venue_id: int | None, *, no_phone: bool = False
) -> None:
    """Put a participant in a venue's room, or online (``venue_id`` None)."""
    await tx.execute(delete(VenuePresence).where(VenuePresence.participant_id == participant_id))
    if venue_id is not None:
        tx.add(VenuePresence(participant_id=participant_id, venue_id=venue_id, no_phone=no_phone))
        await tx.flush()


async def set_round_mode(tx: AsyncSession, round_id: int, mode: str) -> None:
    row = await tx.get(RoundMode, round_id)
    if row is None:
        tx.add(RoundMode(round_id=round_id, mode=mode))
    else:
        row.mode = mode
    await tx.flush()


async def hybrid_state(tx: AsyncSession, convening_id: int) -> HybridRecord:
    venues = await list_venues(tx, convening_id)
    if not venues:
        return HybridRecord()  # most convenings: one small query and nothing more
    rows = (
        await tx.execute(
            select(VenuePresence.participant_id, VenuePresence.venue_id, VenuePresence.no_phone)
            .join(Participant, Participant.id == VenuePresence.participant_id)
            .where(Participant.convening_id == convening_id)
        )
    ).all()
    modes = (
        await tx.execute(
            select(RoundMode.round_id, RoundMode.mode)
            .join(Round, Round.id == RoundMode.round_id)
            .where(Round.convening_id == convening_id)
        )
    ).all()
    return HybridRecord(
        venues=tuple(venues),
        place_of=MappingProxyType({int(p): int(v) for p, v, _ in rows}),
        no_phone=frozenset(int(p) for p, _, none in rows if none),
        round_modes=MappingProxyType({int(r): str(m) for r, m in modes}),
    )


NO_VENUES = HybridRecord()  # a convening without venues (most of them)
