"""Who sat in which group of each run: what the shared notes' group blocks are made of.

A group's block of a prompt (notes/blocks.py) is named by the prompt, the run number and the
group number; these queries give, per convening, the seats behind those names, so the notes
socket knows which blocks a person may write and the pages can head each block.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import Convening, LiveGroup, LiveMember, Prompt, RoundRun


@dataclass(frozen=True, slots=True)
class Seat:
    run: int  # the run number in the call
    group: int  # the group number in that run
    participant_id: int
    prompts: tuple[str, ...]  # public ids of the run's round's prompts


async def seats(tx: AsyncSession, public_id: str, participant_id: int | None = None) -> list[Seat]:
    """Every seat of the convening's runs (or one participant's), in run and group order."""
    query = (
        select(RoundRun.number, RoundRun.round_id, LiveGroup.number, LiveMember.participant_id)
        .join(Convening, Convening.id == RoundRun.convening_id)
        .join(LiveMember, LiveMember.run_id == RoundRun.id)
        .join(LiveGroup, LiveGroup.id == LiveMember.group_id)
        .where(Convening.public_id == public_id)
        .order_by(RoundRun.number, LiveGroup.number, LiveMember.id)
    )
    if participant_id is not None:
        query = query.where(LiveMember.participant_id == participant_id)
    rows = list(await tx.execute(query))
    round_ids = {round_id for _, round_id, _, _ in rows}
    prompts: dict[int, list[str]] = {}
    if round_ids:
        for round_id, prompt in await tx.execute(
            select(Prompt.round_id, Prompt.public_id)
            .where(Prompt.round_id.in_(round_ids))
            .order_by(Prompt.position)
        ):
            prompts.setdefault(round_id, []).append(prompt)
    return [
        Seat(run, group, pid, tuple(prompts.get(round_id, ())))
        for run, round_id, group, pid in rows
    ]
