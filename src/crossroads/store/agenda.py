"""Rounds and their prompts, scoped to one convening."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import Prompt, Round
from crossroads.store.records import PromptRecord, RoundKind, RoundRecord


def _prompt(row: Prompt) -> PromptRecord:
    return PromptRecord(
        id=row.id,
        public_id=row.public_id,
        round_id=row.round_id,
        position=row.position,
        texts={str(k): str(v) for k, v in row.texts.items()},
    )


def _round(row: Round, prompts: tuple[PromptRecord, ...]) -> RoundRecord:
    return RoundRecord(
        id=row.id,
        public_id=row.public_id,
        convening_id=row.convening_id,
        position=row.position,
        title=row.title,
        kind=RoundKind(row.kind),
        group_size=row.group_size,
        duration_minutes=row.duration_minutes,
        prompts=prompts,
        title_translations=dict(row.title_translations or {}),
    )


async def list_rounds(tx: AsyncSession, convening_id: int) -> list[RoundRecord]:
    """The agenda in order, prompts included, in two queries whatever its length."""
    rounds = list(
        await tx.scalars(
            select(Round).where(Round.convening_id == convening_id).order_by(Round.position)
        )
    )
    prompts = await tx.scalars(
        select(Prompt)
        .join(Round, Prompt.round_id == Round.id)
        .where(Round.convening_id == convening_id)
        .order_by(Prompt.position)
    )
    by_round: dict[int, list[PromptRecord]] = {}
    for prompt in prompts:
        by_round.setdefault(prompt.round_id, []).append(_prompt(prompt))
    return [_round(row, tuple(by_round.get(row.id, ()))) for row in rounds]


async def _round_row(tx: AsyncSession, convening_id: int, round_public_id: str) -> Round:
    row = await tx.scalar(
        select(Round).where(Round.public_id == round_public_id, Round.convening_id == convening_id)
    )
    if row is None:
        raise NotFound("round")
    return row


async def insert_round(
    tx: AsyncSession,
    *,
    convening_id: int,
    public_id: str,
    title: str,
    kind: RoundKind,
    group_size: int,
    duration_minutes: int,
) -> None:
    last = await tx.scalar(
        select(func.max(Round.position)).where(Round.convening_id == convening_id)
    )
    tx.add(
        Round(
            convening_id=convening_id,
            public_id=public_id,
            position=(last or 0) + 1,
            title=title,
            kind=kind.value,
            group_size=group_size,
            duration_minutes=duration_minutes,
        )
    )
    await tx.flush()


async def update_round(
    tx: AsyncSession,
    *,
    convening_id: int,
    round_public_id: str,
    title: str,
    kind: RoundKind,
    group_size: int,
    duration_minutes: int,
) -> None:
    row = await _round_row(tx, convening_id, round_public_id)
    row.title = title
    row.kind = kind.value
    row.group_size = group_size
    row.duration_minutes = duration_minutes


def _swap_with_neighbour(rows: Sequence[Round | Prompt], index: int, offset: int) -> None:
    """Swap ``rows[index]`` with the row ``offset`` away and number them all 1, 2, ...
    again; past either end nothing changes. Rounds and prompts are reordered the same way."""
    other = index + offset
    if not 0 <= other < len(rows):
        return
    ordered: list[Round | Prompt] = list(rows)
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered, start=1):
        row.position = position


async def move_round(
    tx: AsyncSession, *, convening_id: int, round_public_id: str, offset: int
) -> None:
    """Swap a round with its neighbour; moving past either end changes nothing."""
    rows = list(
        await tx.scalars(
            select(Round).where(Round.convening_id == convening_id).order_by(Round.position)
        )
    )
    index = next((i for i, r in enumerate(rows) if r.public_id == round_public_id), None)
    if index is None:
        raise NotFound("round")
    _swap_with_neighbour(rows, index, offset)


async def delete_round(tx: AsyncSession, *, convening_id: int, round_public_id: str) -> None:
    row = await _round_row(tx, convening_id, round_public_id)
    await tx.delete(row)
    await tx.flush()
    rows = await tx.scalars(
        select(Round).where(Round.convening_id == convening_id).order_by(Round.position)
    )
    for position, remaining in enumerate(rows, start=1):
        remaining.position = position


async def insert_prompt(
    tx: AsyncSession,
    *,
    convening_id: int,
    round_public_id: str,
    public_id: str,
    texts: Mapping[str, str],
) -> None:
    round_row = await _round_row(tx, convening_id, round_public_id)
    last = await tx.scalar(select(func.max(Prompt.position)).where(Prompt.round_id == round_row.id))
    tx.add(
        Prompt(
            round_id=round_row.id,
            public_id=public_id,
            position=(last or 0) + 1,
            texts=dict(texts),
        )
    )
    await tx.flush()


async def _prompt_row(tx: AsyncSession, convening_id: int, prompt_public_id: str) -> Prompt:
    row = await tx.scalar(
        select(Prompt)
        .join(Round, Prompt.round_id == Round.id)
        .where(Prompt.public_id == prompt_public_id, Round.convening_id == convening_id)
    )
    if row is None:
        raise NotFound("prompt")
    return row


async def update_prompt(
    tx: AsyncSession, *, convening_id: int, prompt_public_id: str, texts: Mapping[str, str]
) -> None:
    row = await _prompt_row(tx, convening_id, prompt_public_id)
    row.texts = dict(texts)


async def delete_prompt(tx: AsyncSession, *, convening_id: int, prompt_public_id: str) -> None:
    row = await _prompt_row(tx, convening_id, prompt_public_id)
    round_id = row.round_id
    await tx.delete(row)
    await tx.flush()
    rows = await tx.scalars(
        select(Prompt).where(Prompt.round_id == round_id).order_by(Prompt.position)
    )
    for position, remaining in enumerate(rows, start=1):
        remaining.position = position


async def move_prompt(
    tx: AsyncSession, *, convening_id: int, prompt_public_id: str, offset: int
) -> None:
    """Swap a prompt with its neighbour in its round; past either end changes nothing (#31)."""
    moved = await _prompt_row(tx, convening_id, prompt_public_id)
    rows = list(
        await tx.scalars(
            select(Prompt).where(Prompt.round_id == moved.round_id).order_by(Prompt.position)
        )
    )
    index = next(i for i, r in enumerate(rows) if r.id == moved.id)
    _swap_with_neighbour(rows, index, offset)
