"""Each round's mode for pairing (#32), apart from ``venues`` so ``rounds`` can use it."""

from __future__ import annotations

from dataclasses import replace

from crossroads import pairing
from crossroads.store.records import RoundRecord
from crossroads.store.venues import HybridRecord


def round_mode(hybrid: HybridRecord, round_: RoundRecord | None) -> pairing.Mode:
    if round_ is None or not hybrid.venues:
        return pairing.Mode.ONLINE
    return pairing.Mode(hybrid.round_modes.get(round_.id, "online"))


def with_places(
    hybrid: HybridRecord, round_: RoundRecord, request: pairing.PairingRequest
) -> pairing.PairingRequest:
    """The round's request with each person's venue and the round's mode (#32)."""
    mode = round_mode(hybrid, round_)
    if mode is pairing.Mode.ONLINE:
        return request
    keys = {v.id: v.public_id for v in hybrid.venues}
    people = tuple(
        replace(p, place=keys.get(hybrid.place_of.get(int(p.id), -1), "")) for p in request.people
    )
    return replace(request, people=people, mode=mode)
