"""Invitations and reminders by e-mail: queuing them, what each job needs, opting out."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crossroads.convenings.errors import InviteNotFound, RosterRowInvalid
from crossroads.convenings.invitations import InviteLinks, invite_expiry, roster_invites
from crossroads.convenings.mail_schedule import reminder_due, reminder_kind, reminder_minutes
from crossroads.convenings.roster import parse_roster
from crossroads.convenings.spreadsheet import write_csv
from crossroads.store import attendance as attendance_store
from crossroads.store import convenings as convening_store
from crossroads.store import hosts as host_store
from crossroads.store import invites as invite_store
from crossroads.store import mail as mail_store
from crossroads.store.attendance import InvitedRecord
from crossroads.store.database import Database
from crossroads.store.mail import MailJobRecord, NewMailJob
from crossroads.store.records import (
    ConveningRecord,
    ConveningStatus,
    HostRecord,
    InviteKind,
    InviteRecord,
)


@dataclass(frozen=True, slots=True)
class Letter:
    """Everything one message needs, read from the database before sending."""

    kind: str
    convening: ConveningRecord
    invite: InviteRecord
    host_name: str
    join_url: str
    unsubscribe_url: str
    job_id: int


# A reminder found due more than this before its (recomputed) time waits for it instead.
EARLY_SLACK_SECONDS = 60


def unsubscribe_token(secret_key: str, invite: InviteRecord) -> str:
    """``<invite id>-<signature>``: the id finds the invite, the signature proves the link
    came from us; it neither is nor reveals the join link."""
    message = f"unsubscribe:{invite.id}:{invite.salt}".encode()
    signature = hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]
    return f"{invite.id}-{signature}"


def unsubscribe_url(links: InviteLinks, invite: InviteRecord) -> str:
    token = unsubscribe_token(links.secret_key, invite)
    return f"{links.base_url.rstrip('/')}/mail/unsubscribe/{token}"


def _jobs_for(
    invite: InviteRecord,
    starts_at: datetime,
    timezone: str,
    reminders: Iterable[int],
    now: datetime,
) -> list[NewMailJob]:
    jobs = [NewMailJob(invite.id, mail_store.INVITATION, invite.email, now)]
    for minutes in reminders:
        due = reminder_due(starts_at, timezone, minutes)
        if due > now:
            jobs.append(NewMailJob(invite.id, reminder_kind(minutes), invite.email, due))
    return jobs


async def queue_invitations(
    db: Database, host: HostRecord, public_id: str, *, reminders: Iterable[int], now: datetime
) -> int:
    """Queue an invitation (now) and reminders (at their times) for every personal invite
    with an address that has none yet; returns how many invitations were queued."""
    reminders = tuple(reminders)
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        invites = [
            invite
            for invite in await invite_store.list_personal_invites(tx, convening.id)
            if invite.email and not invite.revoked
        ]
        opted = await mail_store.opted_out(tx, [invite.id for invite in invites])
        before = await mail_store.count_by_status(tx, [convening.id])
        await mail_store.queue_jobs(
            tx,
            convening_id=convening.id,
            jobs=(
                job
                for invite in invites
                if invite.id not in opted
                for job in _jobs_for(
                    invite, convening.starts_at, convening.timezone, reminders, now
                )
            ),
            now=now,
        )
        after = await mail_store.count_by_status(tx, [convening.id])
    return sum(after.get(convening.id, {}).values()) - sum(before.get(convening.id, {}).values())


@dataclass(frozen=True, slots=True)
class RosterSent:
    """A roster sent by e-mail: how many were invited, and the rows left out (with lines)."""

    queued: int
    bad_addresses: tuple[RosterRowInvalid, ...]


async def invite_roster_by_mail(
    db: Database,
    host: HostRecord,
    public_id: str,
    links: InviteLinks,
    data: bytes,
    *,
    reminders: Iterable[int],
    now: datetime,
    days: int,
    max_rows: int,
) -> RosterSent:
    """Personal invites for a roster's rows and their mail queued, in one transaction: a
    file refused for any other reason leaves nothing behind. Someone already on this
    convening's list (same address) keeps their link and is not mailed twice."""
    reminders = tuple(reminders)
    bad: list[RosterRowInvalid] = []
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        rows = parse_roster(
            data, languages=convening.languages, max_rows=max_rows, bad_addresses=bad
        )
        existing = await invite_store.list_personal_invites(tx, convening.id)
        known = {invite.email for invite in existing if invite.email}
        created = await invite_store.insert_invites(
            tx,
            convening_id=convening.id,
            invites=roster_invites(
                links.secret_key,
                invite_expiry(now, convening.starts_at, days),
                (row for row in rows if row.email not in known),
            ),
            now=now,
        )
        await mail_store.queue_jobs(
            tx,
            convening_id=convening.id,
            jobs=(
                job
                for invite in created
                for job in _jobs_for(
                    invite, convening.starts_at, convening.timezone, reminders, now
                )
            ),
            now=now,
        )
    return RosterSent(queued=len(created), bad_addresses=tuple(bad))


async def retry_failed(db: Database, host: HostRecord, public_id: str, *, now: datetime) -> int:
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        return await mail_store.retry_failed(tx, convening.id, now)


@dataclass(frozen=True, slots=True)
class Skip:
    """A job not to send: cancelled (why), or a reminder whose call moved (new due time)."""

    reason: str
    due_at: datetime | None = None


async def letters_for(
    db: Database, jobs: list[MailJobRecord], links: InviteLinks, *, now: datetime
) -> dict[int, Letter | Skip]:
    """What each claimed job says, read in one transaction; or why it is not sent."""
    async with db.transaction() as tx:
        invites = await mail_store.invites_by_id(tx, sorted({job.invite_id for job in jobs}))
        opted = await mail_store.opted_out(tx, list(invites))
        convenings = {
            cid: await convening_store.get_convening_by_id(tx, cid)
            for cid in {job.convening_id for job in jobs}
        }
        hosts: dict[int, HostRecord] = {}
        for convening in convenings.values():
            if convening.host_id not in hosts:
                hosts[convening.host_id] = await host_store.get_host(tx, convening.host_id)
    result: dict[int, Letter | Skip] = {}
    for job in jobs:
        invite = invites.get(job.invite_id)
        convening = convenings[job.convening_id]
        if invite is None or invite.revoked:
            result[job.id] = Skip("invite revoked")
            continue
        if invite.id in opted:
            result[job.id] = Skip("unsubscribed")
            continue
        minutes = reminder_minutes(job.kind)
        started = now >= convening.starts_at
        if convening.status == ConveningStatus.ENDED or (minutes is not None and started):
            # An invitation still goes out late (they may join); a reminder after the start
            # or anything after the end would only confuse.
            result[job.id] = Skip("the call has started")
            continue
        if minutes is not None:
            # The host may have moved the call since this reminder was queued.
            due = reminder_due(convening.starts_at, convening.timezone, minutes)
            if (due - now).total_seconds() > EARLY_SLACK_SECONDS:
                result[job.id] = Skip("moved", due_at=due)
                continue
        result[job.id] = Letter(
            kind=job.kind,
            convening=convening,
            invite=invite,
            host_name=hosts[convening.host_id].display_name,
            join_url=links.url(invite),
            unsubscribe_url=unsubscribe_url(links, invite),
            job_id=job.id,
        )
    return result


@dataclass(frozen=True, slots=True)
class OptOutTarget:
    invite: InviteRecord
    title: str
    public_id: str
    host_id: int


async def find_opt_out(db: Database, token: str, secret_key: str) -> OptOutTarget:
    """The invite an unsubscribe link names; any tampering is "not found"."""
    invite_id, _sep, _signature = token.partition("-")
    if not invite_id.isdigit():
        raise InviteNotFound("this unsubscribe link is unknown")
    async with db.transaction() as tx:
        invites = await mail_store.invites_by_id(tx, [int(invite_id)])
        invite = invites.get(int(invite_id))
        if invite is None or not hmac.compare_digest(unsubscribe_token(secret_key, invite), token):
            raise InviteNotFound("this unsubscribe link is unknown")
        convening = await convening_store.get_convening_by_id(tx, invite.convening_id)
    return OptOutTarget(
        invite=invite,
        title=convening.title,
        public_id=convening.public_id,
        host_id=convening.host_id,
    )


async def opt_out(
    db: Database, token: str, secret_key: str, *, abuse: bool, now: datetime
) -> OptOutTarget:
    target = await find_opt_out(db, token, secret_key)
    async with db.transaction() as tx:
        await mail_store.opt_out(tx, target.invite.id, abuse=abuse, now=now)
    return target


async def invited_list(db: Database, host: HostRecord, public_id: str) -> list[InvitedRecord]:
    """The host's list of who was invited and how far each got."""
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        return await attendance_store.invited(tx, convening.id)


def invited_csv(rows: list[InvitedRecord]) -> str:
    """The list as CSV; host-controlled cells are neutralised against spreadsheet formulas."""
    return write_csv(
        (
            "name",
            "email",
            "organisation",
            "language",
            "email_status",
            "email_error",
            "unsubscribed",
            "link_opened",
            "joined",
            "rounds",
            "gave_feedback",
        ),
        (
            (
                row.name,
                row.email,
                row.organisation,
                row.language,
                row.mail_status or "not_sent",
                row.mail_error,
                "yes" if row.opted_out else "no",
                row.opened_at.isoformat() if row.opened_at else "",
                "yes" if row.joined else "no",
                str(row.rounds),
                "yes" if row.gave_feedback else "no",
            )
            for row in rows
        ),
    )


async def note_link_opened(db: Database, invite: InviteRecord, now: datetime) -> None:
    """Remember when a personal link was first opened (a shared link names nobody)."""
    if invite.kind != InviteKind.PERSONAL:
        return
    async with db.transaction() as tx:
        await mail_store.note_opened(tx, invite.id, now)


async def dashboard_counts(db: Database, host: HostRecord) -> dict[int, dict[str, int]]:
    """Per convening of this host: invited, mailed, failed, joined (for the dashboard)."""
    async with db.transaction() as tx:
        convenings = await convening_store.list_convenings_for_host(tx, host.id)
        return await attendance_store.counts(tx, [c.id for c in convenings])
