"""A participant joins from an invite link, and sees the lobby."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.convenings.errors import ConveningLocked, FieldInvalid, NotAllowed
from crossroads.convenings.invitations import OpenedInvite, open_invite
from crossroads.convenings.planning import Plan, get_plan_by_id
from crossroads.convenings.tokens import new_public_id
from crossroads.messages import N_
from crossroads.store import live as live_store
from crossroads.store import participants as participant_store
from crossroads.store import reflections as note_store
from crossroads.store import safety as safety_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.participants import ProfileFields
from crossroads.store.records import InviteKind, ParticipantRecord, PrivacyMode
from crossroads.store.reflections import NoteStatus


async def open_join_form(db: Database, token: str, *, now: datetime) -> OpenedInvite:
    """Open an invite link for the join form; a locked convening turns newcomers away here
    already, before they fill anything in (a personal link of someone already in still works)."""
    opened = await open_invite(db, token, now=now)
    async with db.transaction() as tx:
        await _check_open(tx, opened)
    return opened


async def _check_open(tx: AsyncSession, opened: OpenedInvite) -> None:
    state = await live_store.get_state(tx, opened.invite.convening_id)
    if not state.locked:
        return
    if opened.invite.kind is InviteKind.PERSONAL:
        existing = await participant_store.find_participant_by_invite(tx, opened.invite.id)
        if existing is not None:
            return  # already in: a new phone or a lost cookie must not lock them out
    raise ConveningLocked("the hosts have locked this convening")


async def join_convening(
    db: Database,
    token: str,
    profile: ProfileFields,
    *,
    coc_accepted: bool,
    now: datetime,
    current: ParticipantRecord | None = None,
) -> ParticipantRecord:
    """Join from a link. A personal link always maps to one participant: joining again from
    it (a new phone, a lost cookie) updates that profile instead of adding a second person.
    So does the same form sent again from the browser that joined (``current``, its session:
    a reload of the lobby that came back from the form, a double click) under the same name;
    another name from that browser is another person, as on a shared phone."""
    if not coc_accepted:
        raise FieldInvalid(
            "coc_accepted", N_("Please read and accept the code of conduct to join.")
        )
    opened = await open_invite(db, token, now=now)
    invite = opened.invite
    unknown = set(profile.languages) - set(opened.plan.convening.languages)
    if unknown:
        raise FieldInvalid("languages", N_("Choose languages offered by this convening."))
    async with db.transaction() as tx:
        await _check_open(tx, opened)
        if (
            current is not None
            and current.invite_id == invite.id
            and current.display_name == profile.display_name
            and not await safety_store.is_removed(tx, current.id)
        ):
            return await participant_store.update_participant(tx, current.id, profile)
        if invite.kind is InviteKind.PERSONAL:
            existing = await participant_store.find_participant_by_invite(tx, invite.id)
            if existing is not None and await safety_store.is_removed(tx, existing.id):
                raise NotAllowed("removed from this convening by a host")
            if existing is not None:
                return await participant_store.update_participant(tx, existing.id, profile)
        return await participant_store.insert_participant(
            tx,
            convening_id=invite.convening_id,
            public_id=new_public_id(),
            invite_id=invite.id,
            email=invite.email if invite.kind is InviteKind.PERSONAL else "",
            profile=profile,
            now=now,
        )


@dataclass(frozen=True, slots=True)
class LobbyPerson:
    """What others may see of a participant; ``organisation`` is empty in Chatham House mode."""

    public_id: str
    display_name: str
    organisation: str
    about: str
    movements: tuple[str, ...]
    region: str
    languages: tuple[str, ...]
    is_you: bool


@dataclass(frozen=True, slots=True)
class Lobby:
    plan: Plan
    you: ParticipantRecord
    people: tuple[LobbyPerson, ...]
    total_here: int
    reflection_published: bool = False


def visible_people(
    participants: list[ParticipantRecord],
    mode: PrivacyMode,
    *,
    you_id: int | None,
    everyone: bool = False,
) -> tuple[LobbyPerson, ...]:
    """Only people who consented to be listed (and the viewer themself); ``everyone`` is for
    callers that already chose whom to show by another consent (see intersections.py)."""
    chatham = mode is PrivacyMode.CHATHAM_HOUSE
    return tuple(
        LobbyPerson(
            public_id=p.public_id,
            display_name=p.display_name,
            organisation="" if chatham else p.organisation,
            about=p.about,
            movements=p.movements,
            region=p.region,
            languages=p.languages,
            is_you=p.id == you_id,
        )
        for p in participants
        if everyone or p.consent_listed or p.id == you_id
    )


async def lobby_for(db: Database, participant: ParticipantRecord, public_id: str) -> Lobby:
    """The lobby of the participant's own convening; any other convening's id is not found."""
    plan = await get_plan_by_id(db, participant.convening_id)
    if plan.convening.public_id != public_id:
        raise NotFound("convening")
    async with db.transaction() as tx:
        everyone = await participant_store.list_participants(tx, participant.convening_id)
        note = await note_store.find_note(tx, participant.convening_id)
    return Lobby(
        plan=plan,
        you=participant,
        people=visible_people(everyone, plan.convening.privacy_mode, you_id=participant.id),
        total_here=len(everyone),
        reflection_published=note is not None and note.status is NoteStatus.PUBLISHED,
    )


async def participants_for_host(db: Database, plan: Plan) -> list[ParticipantRecord]:
    """Everyone who joined; the caller already holds the host-scoped plan."""
    async with db.transaction() as tx:
        return await participant_store.list_participants(tx, plan.convening.id)
