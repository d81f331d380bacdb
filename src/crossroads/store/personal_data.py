"""One person's data: everything stored about a participant, to hand over or to erase.

Keep ``export_participant`` and ``erase_participant`` in step with the tables in
``models.py`` that point at a participant: tests/integration/test_personal_data.py walks every
table of the schema after an erase and fails on anything left behind.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.store.errors import NotFound
from crossroads.store.models import (
    ChatMessage,
    ConnectionOptIn,
    ConnectionRequest,
    Convening,
    FeedbackResponse,
    FollowUpInterest,
    HelpCall,
    Invite,
    LiveGroup,
    LiveMember,
    NotesUpdate,
    Participant,
    ParticipantBlock,
    ParticipantMute,
    ParticipantRemoval,
    ParticipantReport,
    PersonMark,
    ReflectionNote,
    RejoinAttempt,
    RoundRun,
    SeriesConsent,
    SittingOut,
    WebSession,
)

_EMPTY_ATTRIBUTION = re.compile(r"^>\s*(?:—|--)\s*[,;\s]*$")


def notes_author(participant_id: int) -> str:
    """How the notes log names a participant (see notes/rooms.py)."""
    return f"p{participant_id}"


async def export_participant(tx: AsyncSession, participant_id: int) -> dict[str, Any]:
    """What we hold about this participant, as JSON-ready values. Other people's data (the
    names of partners, of people they blocked) is left out: it is not theirs to take."""
    row = await tx.get(Participant, participant_id)
    if row is None:
        raise NotFound("participant")
    convening = await tx.get(Convening, row.convening_id)
    feedback = await tx.scalar(
        select(FeedbackResponse).where(FeedbackResponse.participant_id == participant_id)
    )
    interests = list(
        await tx.scalars(
            select(FollowUpInterest.topic)
            .where(FollowUpInterest.participant_id == participant_id)
            .order_by(FollowUpInterest.id)
        )
    )
    consent = await tx.get(SeriesConsent, participant_id)
    groups = await tx.execute(
        select(RoundRun.number, LiveGroup.number, LiveGroup.topic)
        .join(LiveMember, LiveMember.group_id == LiveGroup.id)
        .join(RoundRun, RoundRun.id == LiveMember.run_id)
        .where(LiveMember.participant_id == participant_id)
        .order_by(RoundRun.number)
    )
    blocks = await tx.scalars(
        select(ParticipantBlock.created_at).where(ParticipantBlock.blocker_id == participant_id)
    )
    help_calls = await tx.scalars(
        select(HelpCall.created_at).where(HelpCall.participant_id == participant_id)
    )
    opted_in = await tx.get(ConnectionOptIn, participant_id)
    asked = await tx.scalars(
        select(ConnectionRequest.created_at).where(ConnectionRequest.from_id == participant_id)
    )
    chat = await tx.scalars(
        select(ChatMessage.text)
        .where(ChatMessage.participant_id == participant_id)
        .order_by(ChatMessage.id)
    )
    notes_edits = await tx.scalars(
        select(NotesUpdate.created_at).where(NotesUpdate.author == notes_author(participant_id))
    )
    return {
        "convening": {
            "id": convening.public_id if convening else "",
            "title": convening.title if convening else "",
        },
        "profile": {
            "id": row.public_id,
            "display_name": row.display_name,
            "email": row.email,
            "organisation": row.organisation,
            "movements": list(row.movements),
            "region": row.region,
            "languages": list(row.languages),
            "about": row.about,
        },
        "consents": {
            "listed": row.consent_listed,
            "quoted": row.consent_quoted,
            "code_of_conduct_accepted_at": row.coc_accepted_at.isoformat(),
            "recognised_in_series_as": consent.email if consent else None,
            "suggest_connections": opted_in is not None,
        },
        "introductions_asked": len(list(asked)),
        "joined_at": row.joined_at.isoformat(),
        "feedback": dict(feedback.answers) if feedback else None,
        "follow_up_interests": interests,
        "rounds": [{"round": run, "group": group, "topic": topic} for run, group, topic in groups],
        "people_blocked": len(list(blocks)),
        "help_calls": [moment.isoformat() for moment in help_calls],
        "notes_edits": len(list(notes_edits)),
        "chat_messages": list(chat),
    }


async def erase_participant(tx: AsyncSession, participant_id: int) -> None:
    """Remove the participant's personal data from every table. The shared notes keep their
    text, since others wrote around it, but no longer say who wrote it. Their seats go too,
    so the series history forgets whom they met."""
    row = await tx.get(Participant, participant_id)
    if row is None:
        raise NotFound("participant")
    await tx.execute(
        update(NotesUpdate)
        .where(NotesUpdate.author == notes_author(participant_id))
        .values(author="")
    )
    invite_id = row.invite_id
    # Rows pointing at the participant cascade (sessions, seats, blocks both ways, help
    # calls, chat lines, sitting out, removal, feedback, interests, series consent); deleted
    # explicitly as well so the erase does not depend on the database enforcing foreign keys.
    for table, column in (
        (FeedbackResponse, FeedbackResponse.participant_id),
        (FollowUpInterest, FollowUpInterest.participant_id),
        (SeriesConsent, SeriesConsent.participant_id),
        (HelpCall, HelpCall.participant_id),
        (ChatMessage, ChatMessage.participant_id),
        (LiveMember, LiveMember.participant_id),
        (SittingOut, SittingOut.participant_id),
        (ParticipantRemoval, ParticipantRemoval.participant_id),
        (PersonMark, PersonMark.participant_id),
        (RejoinAttempt, RejoinAttempt.participant_id),
        (WebSession, WebSession.participant_id),
    ):
        await tx.execute(delete(table).where(column == participant_id))
    await tx.execute(
        delete(ConnectionOptIn).where(ConnectionOptIn.participant_id == participant_id)
    )
    await tx.execute(
        delete(ConnectionRequest).where(
            (ConnectionRequest.from_id == participant_id)
            | (ConnectionRequest.to_id == participant_id)
        )
    )
    await tx.execute(
        delete(ParticipantBlock).where(
            (ParticipantBlock.blocker_id == participant_id)
            | (ParticipantBlock.blocked_id == participant_id)
        )
    )
    # Reports they made or that name them: a report is about two people, and its details
    # are free text that may say who they are.
    await tx.execute(
        delete(ParticipantReport).where(
            (ParticipantReport.reporter_id == participant_id)
            | (ParticipantReport.reported_id == participant_id)
        )
    )
    await tx.execute(
        delete(ParticipantMute).where(ParticipantMute.participant_id == participant_id)
    )
    await _unattribute_reflection(tx, row)
    await tx.delete(row)
    await tx.flush()
    if invite_id is not None:
        # A personal invite carries the name and email the host uploaded for them.
        await tx.execute(delete(Invite).where(Invite.id == invite_id, Invite.kind == "personal"))
    await tx.flush()


async def _unattribute_reflection(tx: AsyncSession, person: Participant) -> None:
    """The reflection note keeps what people said, like the notes, but nothing that points at
    this person: their name, organisation and about line, any region or movement that only
    they had, are taken out of every section, and they are no longer counted in its charts."""
    note = await tx.get(ReflectionNote, person.convening_id)
    if note is None:
        return
    others = (
        await tx.execute(
            select(Participant.region, Participant.movements).where(
                Participant.convening_id == person.convening_id, Participant.id != person.id
            )
        )
    ).all()
    shared = {region for region, _ in others} | {m for _, ms in others for m in ms or ()}
    theirs = {person.region, *(person.movements or ())} - shared
    marks = sorted(
        {
            m.strip()
            for m in (person.display_name, person.organisation, person.about, *theirs)
            if len(m.strip()) > 1
        },
        key=len,
        reverse=True,
    )
    counted = {"by_movement": set(person.movements or ()), "by_region": {person.region}}

    def scrub(text: str) -> str:
        for mark in marks:
            text = text.replace(mark, "")
        # A quote's attribution line left with nothing but punctuation goes altogether.
        return "\n".join(line for line in text.split("\n") if not _EMPTY_ATTRIBUTION.match(line))

    def uncount(chart: dict[str, Any]) -> dict[str, Any]:
        labels = counted.get(chart.get("kind", ""), set())
        rows = [[label, count - (label in labels)] for label, count in chart.get("rows", [])]
        return {**chart, "rows": [row for row in rows if row[1] > 0]}

    note.sections = [
        {
            **section,
            "heading": scrub(section.get("heading", "")),
            "body": scrub(section.get("body", "")),
            "charts": [uncount(chart) for chart in section.get("charts", [])],
        }
        for section in note.sections
    ]
