"""A participant joins from an invite link, and sees the lobby."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.convenings.errors import ConveningLocked, FieldInvalid, RemovedFromConvening
from crossroads.convenings.invitations import OpenedInvite, open_invite
from crossroads.convenings.planning import Plan, get_plan_for_participant
from crossroads.convenings.tokens import hash_token, new_public_id
from crossroads.messages import N_
from crossroads.store import live as live_store
from crossroads.store import participants as participant_store
from crossroads.store import reflections as note_store
from crossroads.store import safety as safety_store
from crossroads.store.database import Database
from crossroads.store.records import InviteKind, ParticipantRecord, PrivacyMode, ProfileFields
from crossroads.store.reflections import NoteStatus


def normalise_email(email: str) -> str:
    """``" Ana@Example.ORG "`` -> ``"ana@example.org"``: one person, however typed."""
    return email.strip().casefold()


def person_marks(convening_id: int, *, browser: str | None, email: str) -> dict[str, str]:
    """The digests that tie a join to a person (#26), each mapped to its kind: the browser's
    marker cookie and the normalised e-mail, hashed with the convening's id so the rows of
    two convenings cannot be linked to each other from the database."""
    marks = {}
    if browser:
        marks[hash_token(f"browser:{convening_id}:{browser}")] = "browser"
    if address := normalise_email(email):
        marks[hash_token(f"email:{convening_id}:{address}")] = "email"
    return marks


def _invite_email(opened: OpenedInvite) -> str:
    return opened.invite.email if opened.invite.kind is InviteKind.PERSONAL else ""


async def _turn_away_removed(
    db: Database, opened: OpenedInvite, *, browser: str | None, now: datetime
) -> None:
    """A person a host removed does not come back (#26): not from the browser they joined
    from (its marker cookie), not with their e-mail on another personal link, not through
    their own personal link. The try is recorded for the hosts (committed before refusing)."""
    invite = opened.invite
    cid = invite.convening_id
    marks = person_marks(cid, browser=browser, email=_invite_email(opened))
    async with db.transaction() as tx:
        found = await safety_store.removed_person_marked(tx, cid, list(marks))
        address = normalise_email(_invite_email(opened))
        if found is None and address:
            legacy = await safety_store.removed_with_email(tx, cid, address)
            found = None if legacy is None else (legacy, "email")
        if found is None and invite.kind is InviteKind.PERSONAL:
            existing = await participant_store.find_participant_by_invite(tx, invite.id)
            if existing is not None and await safety_store.is_removed(tx, existing.id):
                found = (existing.id, "link")
        if found is None:
            return
        await safety_store.record_rejoin_attempt(
            tx, cid, found[0], matched=found[1], invite_kind=invite.kind.value, now=now
        )
    raise RemovedFromConvening("removed from this convening by a host")


async def open_join_form(
    db: Database, token: str, *, now: datetime, browser: str | None = None
) -> OpenedInvite:
    """Open an invite link for the join form; a locked convening turns newcomers away here
    already, before they fill anything in (a personal link of someone already in still works),
    and a removed person is turned away whatever the link."""
    opened = await open_invite(db, token, now=now)
    await _turn_away_removed(db, opened, browser=browser, now=now)
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
    browser: str | None = None,
) -> ParticipantRecord:
    """Join from a link. A personal link always maps to one participant: joining again from
    it (a new phone, a lost cookie) updates that profile instead of adding a second person.
    So does the same form sent again from the browser that joined (``current``, its session:
    a reload of the lobby that came back from the form, a double click) under the same name;
    another name from that browser is another person, as on a shared phone.

    ``browser`` is the browser's marker cookie: with the invite's e-mail it ties the row to
    its person, so a removal keeps them out and a block follows them to any new row (#26).
    On a shared phone two people are then one person for blocks: they are kept apart from
    whoever either of them blocked, the safe side of the mistake."""
    if not coc_accepted:
        raise FieldInvalid(
            "coc_accepted", N_("Please read and accept the code of conduct to join.")
        )
    opened = await open_invite(db, token, now=now)
    invite = opened.invite
    unknown = set(profile.languages) - set(opened.plan.convening.languages)
    if unknown:
        raise FieldInvalid("languages", N_("Choose languages offered by this convening."))
    await _turn_away_removed(db, opened, browser=browser, now=now)
    marks = person_marks(invite.convening_id, browser=browser, email=_invite_email(opened))
    async with db.transaction() as tx:
        await _check_open(tx, opened)
        joined: ParticipantRecord | None = None
        if (
            current is not None
            and current.invite_id == invite.id
            and current.display_name == profile.display_name
            and not await safety_store.is_removed(tx, current.id)
        ):
            joined = await participant_store.update_participant(tx, current.id, profile)
        elif invite.kind is InviteKind.PERSONAL:
            # A removed holder of this link was turned away above.
            existing = await participant_store.find_participant_by_invite(tx, invite.id)
            if existing is not None:
                joined = await participant_store.update_participant(tx, existing.id, profile)
        if joined is None:
            joined = await participant_store.insert_participant(
                tx,
                convening_id=invite.convening_id,
                public_id=new_public_id(),
                invite_id=invite.id,
                email=_invite_email(opened),
                profile=profile,
                now=now,
            )
        await safety_store.add_marks(tx, invite.convening_id, joined.id, marks, now)
        return joined


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
    plan = await get_plan_for_participant(db, participant, public_id)
    async with db.transaction() as tx:
        everyone = await participant_store.list_participants(tx, participant.convening_id)
        # Removed people are no longer "here": neither listed nor counted (#29).
        removed = await safety_store.removed_ids(tx, participant.convening_id)
        everyone = [p for p in everyone if p.id not in removed]
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


async def removed_for_host(db: Database, plan: Plan) -> set[int]:
    """The ids of the people a host removed: still listed for the hosts, marked, but not
    counted among the participants (#29)."""
    async with db.transaction() as tx:
        return await safety_store.removed_ids(tx, plan.convening.id)
