"""A series of convenings that builds on itself (#9).

- ``create_next_convening`` copies a call's details and agenda into a new call of the same
  series, adds a topic-groups round built from the follow-up interests, and gives everyone
  who agreed to be recognised in the series a personal link to it.
- ``history_weights`` feeds whom people met in earlier calls of the series into the pairing,
  so they keep meeting someone new. People are linked across calls only through an email
  they consented to be recognised by; nobody else's history crosses from one call to the next.
- ``apply_retention`` erases participants' personal data once a series' retention period
  after a call has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.convenings.errors import FieldInvalid
from crossroads.convenings.feedback import clean_topic
from crossroads.convenings.invitations import InviteLinks, invite_expiry, personal_invite
from crossroads.convenings.naming import dated_title
from crossroads.convenings.planning import GROUP_SIZES, Plan, get_plan_for_host
from crossroads.convenings.tokens import new_public_id
from crossroads.messages import N_
from crossroads.store import agenda as agenda_store
from crossroads.store import convenings as convening_store
from crossroads.store import feedback as feedback_store
from crossroads.store import invites as invite_store
from crossroads.store import participants as participant_store
from crossroads.store import personal_data as personal_store
from crossroads.store import safety as safety_store
from crossroads.store import series as series_store
from crossroads.store.database import Database
from crossroads.store.records import ConveningFields, ConveningRecord, HostRecord, RoundKind
from crossroads.store.series import SeriesRecord

MAX_ROUND_TOPICS = 8
MAX_RETENTION_DAYS = 3650
TOPIC_ROUND_MINUTES = 15
# An earlier call's partner weighs 1 for the last call, half for the one before, and so on:
# the pairing engine ranks this below language and diversity (see pairing/weights.py).
SERIES_DECAY = 0.5


@dataclass(frozen=True, slots=True)
class NextConvening:
    convening: ConveningRecord
    series: SeriesRecord
    carried: int  # people given a personal link because they agreed to be recognised


async def create_next_convening(
    db: Database,
    host: HostRecord,
    public_id: str,
    *,
    starts_at: datetime,
    topics: Sequence[str],
    topic_group_size: int,
    topic_round_title: str,
    links: InviteLinks,
    invite_days: int,
    now: datetime,
) -> NextConvening:
    """Make the next call of ``public_id``'s series (starting a series if there is none)."""
    plan = await get_plan_for_host(db, host, public_id)
    labels: list[str] = []
    for topic in topics:
        label = clean_topic(topic)
        if label and label.casefold() not in {t.casefold() for t in labels}:
            labels.append(label)
    if len(labels) > MAX_ROUND_TOPICS:
        raise FieldInvalid("topics", N_("Choose at most {most} topics."), most=MAX_ROUND_TOPICS)
    high = GROUP_SIZES[RoundKind.SMALL_GROUPS][1]
    if labels and not 2 <= topic_group_size <= high:
        raise FieldInvalid(
            "topic_group_size", N_("Choose a group size from {low} to {high}."), low=2, high=high
        )
    old = plan.convening
    async with db.transaction() as tx:
        series = await series_store.series_of(tx, old.id)
        if series is None:
            series = await series_store.insert_series(
                tx, host_id=host.id, public_id=new_public_id(), title=old.title, now=now
            )
            await series_store.add_member(tx, series.id, old.id)
        new = await convening_store.insert_convening(
            tx,
            host_id=host.id,
            public_id=new_public_id(),
            fields=ConveningFields(
                # Its own title, so the host's list never shows two identical rows (#31).
                title=dated_title(
                    series.title, starts_at, old.timezone, (old.languages or ("en",))[0]
                ),
                description=old.description,
                starts_at=starts_at,
                timezone=old.timezone,
                duration_minutes=old.duration_minutes,
                languages=old.languages,
                plenary_url=old.plenary_url,
                code_of_conduct=old.code_of_conduct,
                privacy_mode=old.privacy_mode,
                call_mode=old.call_mode,
            ),
            now=now,
        )
        await series_store.add_member(tx, series.id, new.id)
        # The topic round goes before a closing plenary, if the agenda ends with one.
        rounds = list(plan.rounds)
        cut = len(rounds)
        while cut > 0 and rounds[cut - 1].kind is RoundKind.PLENARY:
            cut -= 1
        topic_round_id = new_public_id()
        for index in range(len(rounds) + 1):
            if index == cut and labels:
                await agenda_store.insert_round(
                    tx,
                    convening_id=new.id,
                    public_id=topic_round_id,
                    title=topic_round_title,
                    kind=RoundKind.TOPIC_GROUPS,
                    group_size=topic_group_size,
                    duration_minutes=TOPIC_ROUND_MINUTES,
                )
            if index == len(rounds):
                break
            old_round = rounds[index]
            round_id = new_public_id()
            await agenda_store.insert_round(
                tx,
                convening_id=new.id,
                public_id=round_id,
                title=old_round.title,
                kind=old_round.kind,
                group_size=old_round.group_size,
                duration_minutes=old_round.duration_minutes,
            )
            for prompt in old_round.prompts:
                await agenda_store.insert_prompt(
                    tx,
                    convening_id=new.id,
                    round_public_id=round_id,
                    public_id=new_public_id(),
                    texts=dict(prompt.texts),
                )
        if labels:
            copied = await agenda_store.list_rounds(tx, new.id)
            topic_round = next(r for r in copied if r.public_id == topic_round_id)
            await series_store.set_round_topics(tx, topic_round.id, labels)
        carried = await _carry_people(tx, series, new, links, invite_days=invite_days, now=now)
    return NextConvening(convening=new, series=series, carried=carried)


async def _carry_people(
    tx: AsyncSession,
    series: SeriesRecord,
    new: ConveningRecord,
    links: InviteLinks,
    *,
    invite_days: int,
    now: datetime,
) -> int:
    """A personal link in the new call for each email that consented in an earlier call of
    the series, with the name and organisation they last gave (one link per email).

    A person a host removed from any call of the series gets no link (#26): their consent
    (or the e-mail of the link they were removed under) is not the host's invitation."""
    members = [cid for cid in await series_store.member_ids(tx, series.id) if cid != new.id]
    consents = await series_store.consents(tx, members)
    removed: set[int] = set()
    for cid in members:
        removed |= await safety_store.removed_ids(tx, cid)
    barred = {c.email.casefold() for c in consents if c.participant_id in removed}
    for participant_id in removed:
        person = await participant_store.get_participant(tx, participant_id)
        if person.email.strip():
            barred.add(person.email.strip().casefold())
    latest: dict[str, int] = {}
    for consent in consents:  # ordered by convening, so later calls win
        if consent.email.casefold() not in barred:
            latest[consent.email.casefold()] = consent.participant_id
    if not latest:
        return 0
    expires_at = invite_expiry(now, new.starts_at, invite_days)
    invites = []
    for email, participant_id in sorted(latest.items()):
        person = await participant_store.get_participant(tx, participant_id)
        language = next((lang for lang in person.languages if lang in new.languages), "")
        invites.append(
            personal_invite(
                links.secret_key,
                expires_at,
                name=person.display_name,
                email=email,
                organisation=person.organisation,
                language=language,
            )
        )
    await invite_store.insert_invites(tx, convening_id=new.id, invites=invites, now=now)
    return len(invites)


async def _linked(
    tx: AsyncSession, convening_id: int
) -> tuple[list[int], dict[str, int], dict[int, int]]:
    """For this convening's series: the earlier convening ids (last first); this convening's
    participants by email; and earlier participants mapped to this convening's.

    An email links people only if someone consented with it somewhere in the series: the
    consent given in call 1 is why call 2 sent a personal link to that email, and a person
    who joined call 2 through that link is the same person in call 3.
    """
    series = await series_store.series_of(tx, convening_id)
    if series is None:
        return [], {}, {}
    members = await series_store.member_ids(tx, series.id)
    earlier = members[: members.index(convening_id)] if convening_id in members else []
    consents = await series_store.consents(tx, members)
    consented = {c.email.casefold() for c in consents}
    here = await series_store.emails_of(tx, convening_id)
    by_email = {email: pid for pid, email in here.items() if email in consented}
    for c in consents:
        if c.convening_id == convening_id:
            by_email.setdefault(c.email.casefold(), c.participant_id)
    then_to_now: dict[int, int] = {}
    for cid in earlier:
        emails = await series_store.emails_of(tx, cid)
        emails.update(
            {c.participant_id: c.email.casefold() for c in consents if c.convening_id == cid}
        )
        for pid, email in emails.items():
            if email in consented and email in by_email:
                then_to_now[pid] = by_email[email]
    return earlier[::-1], by_email, then_to_now


async def history_weights(db: Database, convening_id: int) -> dict[frozenset[int], float]:
    """Pairs of this convening's participants who met in earlier calls of the series, with a
    weight that fades with each call back. Only people recognised by a consented email are
    linked (see ``_linked``)."""
    async with db.transaction() as tx:
        earlier, _by_email, then_to_now = await _linked(tx, convening_id)
        if not then_to_now:
            return {}
        groups = await series_store.groups_in(tx, earlier)
    weights: dict[frozenset[int], float] = {}
    for back, cid in enumerate(earlier):
        for members in groups.get(cid, []):
            now_ids = sorted({then_to_now[m] for m in members if m in then_to_now})
            for i, a in enumerate(now_ids):
                for b in now_ids[i + 1 :]:
                    key = frozenset((a, b))
                    weights[key] = weights.get(key, 0.0) + SERIES_DECAY**back
    return weights


async def round_topics(db: Database, round_id: int) -> tuple[str, ...]:
    async with db.transaction() as tx:
        return await read_round_topics(tx, round_id)


async def read_round_topics(tx: AsyncSession, round_id: int) -> tuple[str, ...]:
    return tuple((await series_store.round_topics(tx, [round_id])).get(round_id, []))


async def topics_of_people(
    db: Database, convening_id: int, offered: Sequence[str]
) -> dict[int, str]:
    async with db.transaction() as tx:
        return await read_topics_of_people(tx, convening_id, offered)


async def read_topics_of_people(
    tx: AsyncSession, convening_id: int, offered: Sequence[str]
) -> dict[int, str]:
    """Each participant's topic for a topic round: the first of ``offered`` they asked for,
    here or (recognised by consented email) in an earlier call of the series; the topics
    are tried in the host's order, so the most demanded one wins a tie. Read in ``tx``: a
    round's start checks them in the transaction that writes it."""
    wanted = {t.casefold(): t for t in offered}
    earlier, _by_email, then_to_now = await _linked(tx, convening_id)
    own = await feedback_store.list_interests(tx, [convening_id])
    before = await feedback_store.list_interests(tx, earlier) if earlier else []
    asked: dict[int, set[str]] = {}
    for interest in own:
        asked.setdefault(interest.participant_id, set()).add(clean_topic(interest.topic).casefold())
    for interest in before:
        if interest.participant_id in then_to_now:
            pid = then_to_now[interest.participant_id]
            asked.setdefault(pid, set()).add(clean_topic(interest.topic).casefold())
    return {
        pid: wanted[key]
        for pid, keys in asked.items()
        for key in [next((k for k in wanted if k in keys), None)]
        if key is not None
    }


async def topics_by_round(db: Database, plan: Plan) -> dict[str, tuple[str, ...]]:
    """Round public id to the topics its topic groups offer, for the host's agenda."""
    async with db.transaction() as tx:
        found = await series_store.round_topics(tx, [r.id for r in plan.rounds])
    return {r.public_id: tuple(found[r.id]) for r in plan.rounds if r.id in found}


async def series_of(db: Database, convening_id: int) -> SeriesRecord | None:
    async with db.transaction() as tx:
        return await series_store.series_of(tx, convening_id)


# --- the series page and retention -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeriesView:
    series: SeriesRecord
    convenings: tuple[ConveningRecord, ...]


async def series_for_host(db: Database, host: HostRecord, series_public_id: str) -> SeriesView:
    async with db.transaction() as tx:
        series = await series_store.get_series_for_host(
            tx, host_id=host.id, public_id=series_public_id
        )
        ids = await series_store.member_ids(tx, series.id)
        convenings = [await convening_store.get_convening_by_id(tx, cid) for cid in ids]
    return SeriesView(series=series, convenings=tuple(convenings))


async def set_retention(
    db: Database, host: HostRecord, series_public_id: str, *, days: int
) -> SeriesView:
    if not 0 <= days <= MAX_RETENTION_DAYS:
        raise FieldInvalid(
            "retention_days",
            N_("Give a number of days from 0 (keep) to {most}."),
            most=MAX_RETENTION_DAYS,
        )
    async with db.transaction() as tx:
        series = await series_store.get_series_for_host(
            tx, host_id=host.id, public_id=series_public_id
        )
        await series_store.set_retention(tx, series.id, days)
    return await series_for_host(db, host, series_public_id)


async def apply_retention(db: Database, *, now: datetime) -> int:
    """Erase every participant of calls whose series' retention period has passed; returns
    how many were erased. Safe to run again: erased people are gone."""
    async with db.transaction() as tx:
        due = await series_store.retention_due(tx, now)
    erased = 0
    for item in due:
        async with db.transaction() as tx:
            for participant_id in item.participant_ids:
                await personal_store.erase_participant(tx, participant_id)
                erased += 1
    return erased
