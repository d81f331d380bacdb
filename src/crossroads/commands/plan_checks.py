"""What `crossroads pair` warns about before the call (#26): repeats no plan can avoid, and
Zoom files beyond Zoom's documented breakout-room limits (sources in docs/zoom-breakouts.md).

Pure arithmetic on group sizes, so it is tested on its own (tests/unit/commands/).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

# Zoom's limits as its support articles state them; see docs/zoom-breakouts.md.
ZOOM_DEFAULT_ROOMS = 50  # breakout rooms a meeting gets unless Zoom Support raised the limit
ZOOM_PREASSIGN_ROOMS = 100  # rooms a pre-assignment can hold
ZOOM_PREASSIGN_PARTICIPANTS = 1000  # participants a pre-assignment can hold


@dataclass(frozen=True, slots=True)
class ForcedRepeats:
    """``meetings``: pairs of people who share a group, summed over the rounds; ``pairs``:
    the different pairs ``people`` make; ``repeats``: meetings beyond that, which every plan
    with these group sizes has (a meeting of two who met in an earlier round is a repeat)."""

    meetings: int
    pairs: int
    repeats: int


def unavoidable_repeats(people: int, rounds: Sequence[Sequence[int]]) -> ForcedRepeats:
    """``rounds``: the group sizes of each round.

    20 rounds of 3 pairs among 6 people: 60 meetings, 15 pairs, 45 repeats at least.

    >>> unavoidable_repeats(6, [[2, 2, 2]] * 20)
    ForcedRepeats(meetings=60, pairs=15, repeats=45)
    """
    meetings = sum(comb(size, 2) for sizes in rounds for size in sizes)
    pairs = comb(people, 2)
    return ForcedRepeats(meetings, pairs, max(0, meetings - pairs))


def zoom_warnings(rounds: Sequence[Sequence[int]]) -> list[str]:
    """Plain-language warnings for Zoom pre-assignment files, one per limit passed.

    >>> zoom_warnings([[2] * 150])[0].split(":")[0]
    'round 1 has 150 breakout rooms'
    """
    warnings = []
    over_preassign = [(r, len(s)) for r, s in enumerate(rounds, 1) if len(s) > ZOOM_PREASSIGN_ROOMS]
    over_default = [
        (r, len(s))
        for r, s in enumerate(rounds, 1)
        if ZOOM_DEFAULT_ROOMS < len(s) <= ZOOM_PREASSIGN_ROOMS
    ]
    crowded = [(r, sum(s)) for r, s in enumerate(rounds, 1) if sum(s) > ZOOM_PREASSIGN_PARTICIPANTS]
    if over_preassign:
        warnings.append(
            f"{_rounds(over_preassign)} breakout rooms: a Zoom pre-assignment holds at most "
            f"{ZOOM_PREASSIGN_ROOMS} rooms (see docs/zoom-breakouts.md). Use larger groups "
            "(--size) or split the call."
        )
    if over_default:
        warnings.append(
            f"{_rounds(over_default)} breakout rooms: Zoom allows {ZOOM_DEFAULT_ROOMS} unless "
            f"Zoom Support raised your account's limit (up to {ZOOM_PREASSIGN_ROOMS}; see "
            "docs/zoom-breakouts.md)."
        )
    if crowded:
        warnings.append(
            f"{_rounds(crowded)} people: a Zoom pre-assignment holds at most "
            f"{ZOOM_PREASSIGN_PARTICIPANTS:,} participants (see docs/zoom-breakouts.md). "
            "Split the call into several meetings."
        )
    return warnings


def _rounds(found: list[tuple[int, int]]) -> str:
    """``[(1, 150)]`` -> "round 1 has 150"; every round alike -> "each of the 3 rounds has"."""
    counts = {count for _round, count in found}
    if len(found) == 1:
        return f"round {found[0][0]} has {found[0][1]}"
    if len(counts) == 1:
        return f"each of rounds {_list([r for r, _ in found])} has {found[0][1]}"
    return "rounds " + ", ".join(f"{r} ({count})" for r, count in found) + " have too many"


def _list(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
