"""Group chat lines of pair calls, scoped to one convening, one run and one group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import ChatMessage, RoundRun


@dataclass(frozen=True, slots=True)
class ChatRecord:
    id: int
    run_id: int
    group_number: int
    participant_id: int
    text: str
    consented: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ConsentedChat:
    """A consented line with the agenda round it was said in (for its prompts)."""

    id: int
    round_id: int
    participant_id: int
    text: str


def _record(row: ChatMessage) -> ChatRecord:
    return ChatRecord(
        id=row.id,
        run_id=row.run_id,
        group_number=row.group_number,
        participant_id=row.participant_id,
        text=row.text,
        consented=row.consented,
        created_at=row.created_at,
    )


async def add_message(
    tx: AsyncSession,
    *,
    convening_id: int,
    run_id: int,
    group_number: int,
    participant_id: int,
    text: str,
    consented: bool,
    now: datetime,
) -> ChatRecord:
    row = ChatMessage(
        convening_id=convening_id,
        run_id=run_id,
        group_number=group_number,
        participant_id=participant_id,
        text=text,
        consented=consented,
        created_at=now,
    )
    tx.add(row)
    await tx.flush()
    return _record(row)


async def group_messages(
    tx: AsyncSession, convening_id: int, run_id: int, group_number: int, limit: int = 200
) -> list[ChatRecord]:
    """The group's chat of this round, oldest first (the latest ``limit`` lines)."""
    rows = await tx.scalars(
        select(ChatMessage)
        .where(
            ChatMessage.convening_id == convening_id,
            ChatMessage.run_id == run_id,
            ChatMessage.group_number == group_number,
        )
        .order_by(ChatMessage.id.desc())
        .limit(limit)
    )
    return [_record(r) for r in reversed(list(rows))]


async def consented_messages(tx: AsyncSession, convening_id: int) -> list[ConsentedChat]:
    rows = await tx.execute(
        select(ChatMessage.id, RoundRun.round_id, ChatMessage.participant_id, ChatMessage.text)
        .join(RoundRun, RoundRun.id == ChatMessage.run_id)
        .where(ChatMessage.convening_id == convening_id, ChatMessage.consented.is_(True))
        .order_by(ChatMessage.id)
    )
    return [ConsentedChat(id=r[0], round_id=r[1], participant_id=r[2], text=r[3]) for r in rows]


async def count_messages(tx: AsyncSession, convening_id: int) -> int:
    return int(
        await tx.scalar(
            select(func.count(ChatMessage.id)).where(ChatMessage.convening_id == convening_id)
        )
        or 0
    )
