"""Who was invited and how far each got: mailed, opened the link, joined, in a round, feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store import mail as mail_store
from crossroads.store.models import (
    FeedbackResponse,
    Invite,
    LiveMember,
    MailJob,
    Participant,
    ParticipantRemoval,
    RoundRun,
)
from crossroads.store.records import InviteKind


@dataclass(frozen=True, slots=True)
class InvitedRecord:
    invite_id: int
    name: str
    email: str
    organisation: str
    language: str
    mail_status: str  # "" (never mailed), queued, sent, failed, cancelled
    mail_attempts: int
    mail_error: str
    mail_sent_at: datetime | None
    opted_out: bool
    reported_abuse: bool
    opened_at: datetime | None
    joined: bool
    rounds: int
    gave_feedback: bool


async def invited(tx: AsyncSession, convening_id: int) -> list[InvitedRecord]:
    invites = list(
        await tx.scalars(
            select(Invite)
            .where(Invite.convening_id == convening_id, Invite.kind == InviteKind.PERSONAL.value)
            .order_by(Invite.id)
        )
    )
    jobs = {
        row.invite_id: row
        for row in await tx.scalars(
            select(MailJob).where(
                MailJob.convening_id == convening_id, MailJob.kind == mail_store.INVITATION
            )
        )
    }
    opted = await mail_store.opted_out(tx, [invite.id for invite in invites])
    opened = await mail_store.opened(tx, convening_id)
    # (A Result has .keys(), so dict() would read it as a mapping: pairs are unpacked.)
    people = {
        invite_id: person
        for invite_id, person in await tx.execute(
            select(Participant.invite_id, Participant.id).where(
                Participant.convening_id == convening_id, Participant.invite_id.is_not(None)
            )
        )
    }
    rounds = {
        person: count
        for person, count in await tx.execute(
            select(LiveMember.participant_id, func.count(func.distinct(LiveMember.run_id)))
            .join(RoundRun, RoundRun.id == LiveMember.run_id)
            .where(RoundRun.convening_id == convening_id)
            .group_by(LiveMember.participant_id)
        )
    }
    feedback = set(
        await tx.scalars(
            select(FeedbackResponse.participant_id).where(
                FeedbackResponse.convening_id == convening_id
            )
        )
    )
    result = []
    for invite in invites:
        job = jobs.get(invite.id)
        person = people.get(invite.id)
        result.append(
            InvitedRecord(
                invite_id=invite.id,
                name=invite.name,
                email=invite.email,
                organisation=invite.organisation,
                language=invite.language,
                mail_status=job.status if job else "",
                mail_attempts=job.attempts if job else 0,
                mail_error=job.last_error if job else "",
                mail_sent_at=job.sent_at if job else None,
                opted_out=invite.id in opted,
                reported_abuse=opted.get(invite.id, False),
                opened_at=opened.get(invite.id),
                joined=person is not None,
                rounds=int(rounds.get(person, 0)) if person is not None else 0,
                gave_feedback=person in feedback,
            )
        )
    return result


async def counts(tx: AsyncSession, convening_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per convening: personal invites, invitation mail sent and failed, people joined."""
    if not convening_ids:
        return {}
    result: dict[int, dict[str, int]] = {
        cid: {"invited": 0, "sent": 0, "failed": 0, "joined": 0} for cid in convening_ids
    }
    for cid, count in await tx.execute(
        select(Invite.convening_id, func.count())
        .where(Invite.convening_id.in_(convening_ids), Invite.kind == InviteKind.PERSONAL.value)
        .group_by(Invite.convening_id)
    ):
        result[cid]["invited"] = int(count)
    for cid, statuses in (await mail_store.count_by_status(tx, convening_ids)).items():
        result[cid]["sent"] = statuses.get(mail_store.SENT, 0)
        result[cid]["failed"] = statuses.get(mail_store.FAILED, 0)
    # "Joined" counts the people in the call: those a host removed are left out (#29).
    removed = select(ParticipantRemoval.participant_id).where(
        ParticipantRemoval.convening_id.in_(convening_ids)
    )
    for cid, count in await tx.execute(
        select(Participant.convening_id, func.count())
        .where(Participant.convening_id.in_(convening_ids), Participant.id.not_in(removed))
        .group_by(Participant.convening_id)
    ):
        result[cid]["joined"] = int(count)
    return result
