"""Feedback questions and answers, and follow-up interests, scoped to one convening."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.models import FeedbackQuestion, FeedbackResponse, FollowUpInterest


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    key: str
    kind: str
    position: int
    label: str


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    participant_id: int
    answers: Mapping[str, Any]
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class InterestRecord:
    participant_id: int
    topic: str


async def list_questions(tx: AsyncSession, convening_id: int) -> list[QuestionRecord]:
    rows = await tx.scalars(
        select(FeedbackQuestion)
        .where(FeedbackQuestion.convening_id == convening_id)
        .order_by(FeedbackQuestion.position, FeedbackQuestion.id)
    )
    return [QuestionRecord(r.key, r.kind, r.position, r.label) for r in rows]


async def replace_questions(
    tx: AsyncSession, convening_id: int, questions: Sequence[QuestionRecord]
) -> None:
    await tx.execute(delete(FeedbackQuestion).where(FeedbackQuestion.convening_id == convening_id))
    tx.add_all(
        FeedbackQuestion(
            convening_id=convening_id, key=q.key, kind=q.kind, position=q.position, label=q.label
        )
        for q in questions
    )
    await tx.flush()


async def save_response(
    tx: AsyncSession,
    *,
    convening_id: int,
    participant_id: int,
    answers: Mapping[str, Any],
    now: datetime,
) -> None:
    row = await tx.scalar(
        select(FeedbackResponse).where(FeedbackResponse.participant_id == participant_id)
    )
    if row is None:
        tx.add(
            FeedbackResponse(
                convening_id=convening_id,
                participant_id=participant_id,
                answers=dict(answers),
                submitted_at=now,
            )
        )
    else:
        row.answers, row.submitted_at = dict(answers), now
    await tx.flush()


async def get_response(tx: AsyncSession, participant_id: int) -> ResponseRecord | None:
    row = await tx.scalar(
        select(FeedbackResponse).where(FeedbackResponse.participant_id == participant_id)
    )
    if row is None:
        return None
    return ResponseRecord(row.participant_id, dict(row.answers), row.submitted_at)


async def list_responses(tx: AsyncSession, convening_id: int) -> list[ResponseRecord]:
    rows = await tx.scalars(
        select(FeedbackResponse)
        .where(FeedbackResponse.convening_id == convening_id)
        .order_by(FeedbackResponse.id)
    )
    return [ResponseRecord(r.participant_id, dict(r.answers), r.submitted_at) for r in rows]


async def set_interests(
    tx: AsyncSession,
    *,
    convening_id: int,
    participant_id: int,
    topics: Sequence[str],
    now: datetime,
) -> None:
    await tx.execute(
        delete(FollowUpInterest).where(FollowUpInterest.participant_id == participant_id)
    )
    tx.add_all(
        FollowUpInterest(
            convening_id=convening_id, participant_id=participant_id, topic=topic, created_at=now
        )
        for topic in topics
    )
    await tx.flush()


async def list_interests(tx: AsyncSession, convening_ids: Sequence[int]) -> list[InterestRecord]:
    rows = await tx.execute(
        select(FollowUpInterest.participant_id, FollowUpInterest.topic)
        .where(FollowUpInterest.convening_id.in_(convening_ids))
        .order_by(FollowUpInterest.id)
    )
    return [InterestRecord(pid, topic) for pid, topic in rows]


async def count_responses(tx: AsyncSession, convening_id: int) -> int:
    return int(
        await tx.scalar(
            select(func.count())
            .select_from(FeedbackResponse)
            .where(FeedbackResponse.convening_id == convening_id)
        )
        or 0
    )
