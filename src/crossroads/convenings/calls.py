"""Pair calls (#7): where each group talks, who may signal whom, and the group chat.

A person may reach (call signalling, chat) only the other present members of the group they
see right now: ``talking_group`` is the one rule, used both for what a view offers and for
what the socket relays. The chat is kept for the round; only lines their authors marked as
shareable reach the harvest.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from crossroads.convenings import rounds
from crossroads.convenings.errors import FieldInvalid, NotAllowed, NotInGroup, TooManyMessages
from crossroads.convenings.live_state import LiveSnapshot, Phase, load_snapshot
from crossroads.convenings.planning import get_plan_by_id, get_plan_for_host
from crossroads.convenings.spreadsheet import write_csv
from crossroads.harvest.model import Contribution
from crossroads.live import calls, replies
from crossroads.live.calls import ZOOM_HEADER, CallMode
from crossroads.messages import N_
from crossroads.store import chat as chat_store
from crossroads.store.database import Database
from crossroads.store.live import GroupRecord
from crossroads.store.records import HostRecord, ParticipantRecord

MAX_CHAT_CHARS = 1000
# Phases in which a group talks: the call survives the wrap-up and the pause before the
# next round (nobody is cut off mid-sentence); the next round's start replaces the group.
TALKING_PHASES = frozenset({Phase.RUNNING, Phase.WRAP_UP, Phase.OVER})


@dataclass(frozen=True, slots=True)
class CallConfig:
    """The server's call settings, as plain values (built from ``Settings`` by the web layer)."""

    mode: CallMode = CallMode.BUILTIN
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str | None = None
    turn_ttl: timedelta = timedelta(hours=4)
    jitsi_url: str = "https://meet.jit.si"
    jitsi_app_id: str | None = None
    jitsi_app_secret: str | None = None
    room_secret: str = ""


def talking_group(
    state: LiveSnapshot, participant_id: int, *, now: datetime, grace: timedelta
) -> GroupRecord | None:
    """The group this person talks with now, or None (lobby, plenary, sitting out, away)."""
    if state.run is None or state.phase(now, grace) not in TALKING_PHASES:
        return None
    group = state.group_of(participant_id)
    if group is None or participant_id in group.away:
        return None
    return group


def call_is_personal(config: CallConfig, state: LiveSnapshot) -> bool:
    """Whether members of one group get different call views (TURN credentials name the
    person, a Jitsi JWT carries their name); if not, a fan-out builds one per group."""
    mode = CallMode(state.plan.convening.call_mode or config.mode)
    if mode is CallMode.BUILTIN:
        return bool(config.turn_urls and config.turn_secret)
    if mode is CallMode.JITSI:
        return bool(config.jitsi_app_id and config.jitsi_app_secret)
    return False


def call_view(
    config: CallConfig,
    state: LiveSnapshot,
    group: GroupRecord,
    person: ParticipantRecord,
    *,
    now: datetime,
) -> dict[str, object]:
    """What a group member needs to join their call; sent only to members of ``group``."""
    return call_for(config, state, group, name=person.display_name, peer=person.public_id, now=now)


def call_for(
    config: CallConfig,
    state: LiveSnapshot,
    group: GroupRecord,
    *,
    name: str,
    peer: str,
    now: datetime,
) -> dict[str, object]:
    """How ``name`` joins ``group``'s call: a Jitsi room (with a JWT carrying the name when
    configured), the Zoom breakout room's name, or ICE servers whose TURN credentials are
    issued to ``peer`` (a member's public id, or the host who joins after a call for help)."""
    assert state.run is not None
    mode = CallMode(state.plan.convening.call_mode or config.mode)
    if mode is CallMode.JITSI:
        room = calls.jitsi_room(
            config.room_secret,
            convening=state.plan.convening.public_id,
            run=state.run.id,
            group=group.number,
        )
        token = None
        if config.jitsi_app_id and config.jitsi_app_secret:
            token = calls.jitsi_token(
                app_id=config.jitsi_app_id,
                app_secret=config.jitsi_app_secret,
                server_url=config.jitsi_url,
                room=room,
                name=name,
                now=now,
                ttl=config.turn_ttl,
            )
        return {"mode": "jitsi", "url": calls.jitsi_url(config.jitsi_url, room, token)}
    if mode is CallMode.EXTERNAL:
        return {"mode": "external", "room": calls.zoom_room_name(state.run.number, group.number)}
    return {
        "mode": "builtin",
        "ice_servers": calls.ice_servers(
            stun_urls=list(config.stun_urls),
            turn_urls=list(config.turn_urls),
            turn_secret=config.turn_secret,
            user=peer,
            now=now,
            ttl=config.turn_ttl,
        ),
    }


def signal_target(
    state: LiveSnapshot,
    sender_id: int,
    target_public_id: str,
    *,
    now: datetime,
    grace: timedelta,
) -> int:
    """The id of the group member a call message is addressed to; ``NotInGroup`` for anyone
    else (another group, another convening, oneself, or nobody)."""
    group = talking_group(state, sender_id, now=now, grace=grace)
    if group is not None:
        for member in group.present:
            person = state.people.get(member)
            if member != sender_id and person is not None and person.public_id == target_public_id:
                return member
    raise NotInGroup("you can only call the people in your current group")


def _chat_line(state: LiveSnapshot, record: chat_store.ChatRecord) -> replies.ChatLine:
    author = state.people.get(record.participant_id)
    return replies.chat_line(
        record.id,
        author.public_id if author else "",
        author.display_name if author else "",
        record.text,
        record.created_at.isoformat(),
    )


async def send_chat(
    db: Database,
    state: LiveSnapshot,
    author_id: int,
    *,
    text: str,
    share: bool,
    now: datetime,
    grace: timedelta,
    allow: Callable[[], bool] = lambda: True,
) -> replies.Relay:
    """Keep a chat line for the round and say whom to relay it to: every present member of
    the author's group, the author too (the line comes back as sent, with its id).

    ``allow`` is the rate limit, asked only once the line is valid: a refused line costs
    nothing."""
    text = text.strip()
    if not text:
        raise FieldInvalid("text", N_("Write a message first."))
    if len(text) > MAX_CHAT_CHARS:
        raise FieldInvalid("text", N_("Keep it under {n} characters."), n=MAX_CHAT_CHARS)
    if author_id in state.muted:
        raise NotAllowed("the hosts have muted you")
    group = talking_group(state, author_id, now=now, grace=grace)
    if group is None or state.run is None:
        raise NotInGroup("you are not in a group right now")
    if not allow():
        raise TooManyMessages("too many messages; wait a moment")
    async with db.transaction() as tx:
        record = await chat_store.add_message(
            tx,
            convening_id=state.plan.convening.id,
            run_id=state.run.id,
            group_number=group.number,
            participant_id=author_id,
            text=text,
            consented=share,
            now=now,
        )
    return replies.Relay.people(group.present, replies.chat(_chat_line(state, record)))


async def chat_history(
    db: Database, state: LiveSnapshot, participant_id: int, *, now: datetime, grace: timedelta
) -> replies.ChatHistory | None:
    """The group's chat so far this round (for a reload or a reconnect), or None."""
    group = talking_group(state, participant_id, now=now, grace=grace)
    if group is None or state.run is None:
        return None
    async with db.transaction() as tx:
        records = await chat_store.group_messages(
            tx, state.plan.convening.id, state.run.id, group.number
        )
    return replies.chat_history(group.number, [_chat_line(state, r) for r in records])


async def consented_chat(db: Database, convening_id: int) -> tuple[Contribution, ...]:
    """Chat lines whose authors let them be used, as harvest contributions: each joins the
    first prompt of the round it was said in (``HarvestInput.chat``)."""
    plan = await get_plan_by_id(db, convening_id)
    first_prompt = {r.id: r.prompts[0].public_id for r in plan.rounds if r.prompts}
    async with db.transaction() as tx:
        lines = await chat_store.consented_messages(tx, convening_id)
    return tuple(
        Contribution(
            prompt_id=first_prompt[line.round_id],
            text=line.text,
            author_id=str(line.participant_id),
        )
        for line in lines
        if line.round_id in first_prompt
    )


@dataclass(frozen=True, slots=True)
class ZoomAssignment:
    csv_text: str
    # People in a planned room who gave no email: the host moves them by hand.
    without_email: tuple[tuple[str, str], ...]  # (room, display name)


def zoom_csv(
    groups: Sequence[tuple[int, Sequence[ParticipantRecord]]], *, run_number: int
) -> ZoomAssignment:
    """Zoom's breakout pre-assignment CSV: exactly the header Zoom expects, one row per email
    and room. ``groups`` are (group number, members) of one round.

    >>> zoom_csv([], run_number=1).csv_text
    'Pre-assign Room Name,Email Address\\r\\n'
    """
    rows: list[tuple[str, str]] = []
    missing: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, members in groups:
        room = calls.zoom_room_name(run_number, number)
        for person in members:
            email = person.email.strip()
            if not email:
                missing.append((room, person.display_name))
            elif email.casefold() not in seen:
                seen.add(email.casefold())
                rows.append((room, email))
    return ZoomAssignment(csv_text=write_csv(ZOOM_HEADER, rows), without_email=tuple(missing))


@dataclass(frozen=True, slots=True)
class ZoomRound:
    """The breakout pre-assignment of one round, for a host running it in Zoom."""

    round_title: str
    run_number: int
    current: bool  # the round running now (else the next one, as planned)
    rooms: tuple[tuple[str, tuple[str, ...]], ...]  # (room, display names)
    assignment: ZoomAssignment


async def zoom_round(
    db: Database,
    host: HostRecord,
    public_id: str,
    *,
    present: Collection[int],
    now: datetime,
    grace: timedelta,
) -> ZoomRound:
    """The running round's rooms, or the next round's as the pairing would place people now:
    those connected, or (before anyone is) everyone who joined and does not sit out. The
    pairing is seeded by the event number, so starting the round with the same people gives
    the same groups (see ``rounds.plan_round``); participants always see their actual room."""
    plan = await get_plan_for_host(db, host, public_id)
    state = await load_snapshot(db, plan.convening.id)
    if (
        state.run is not None
        and state.round is not None
        and state.phase(now, grace)
        in (
            Phase.RUNNING,
            Phase.WRAP_UP,
        )
    ):
        groups = [(g.number, g.present) for g in state.groups]
        run_number, title, current = state.run.number, state.round.title, True
    else:
        who = set(present) or {
            p for p in state.people if p not in state.sitting_out and p not in state.removed
        }
        planned = rounds.work_out(
            await rounds.plan_round(db, plan.convening.id, present=who, state=state)
        )
        if planned.request is None:
            raise NotAllowed("the next round is a plenary: there are no breakout rooms")
        groups = [(g.number, g.members) for g in planned.groups]
        run_number = (state.run.number + 1) if state.run is not None else 1
        title, current = planned.round.title, False
    people = [
        (number, [state.people[m] for m in members if m in state.people])
        for number, members in groups
    ]
    return ZoomRound(
        round_title=title,
        run_number=run_number,
        current=current,
        rooms=tuple(
            (calls.zoom_room_name(run_number, n), tuple(p.display_name for p in members))
            for n, members in people
        ),
        assignment=zoom_csv(people, run_number=run_number),
    )
