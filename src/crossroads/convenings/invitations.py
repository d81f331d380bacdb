"""Invite links: the shared link, personal links from a roster, and opening a link."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from crossroads.convenings.errors import InviteNotFound
from crossroads.convenings.planning import Plan
from crossroads.convenings.roster import RosterRow, parse_roster
from crossroads.convenings.spreadsheet import write_csv
from crossroads.convenings.tokens import hash_token, invite_token, new_salt
from crossroads.store import agenda as agenda_store
from crossroads.store import convenings as convening_store
from crossroads.store import invites as invite_store
from crossroads.store.database import Database
from crossroads.store.invites import NewInvite
from crossroads.store.records import ConveningRecord, HostRecord, InviteKind, InviteRecord


@dataclass(frozen=True, slots=True)
class InviteLinks:
    """How links are made: ``base_url + "/join/" + token``."""

    base_url: str
    secret_key: str

    def token(self, invite: InviteRecord) -> str:
        return invite_token(self.secret_key, invite.salt)

    def url(self, invite: InviteRecord) -> str:
        return f"{self.base_url.rstrip('/')}/join/{self.token(invite)}"


@dataclass(frozen=True, slots=True)
class OpenedInvite:
    invite: InviteRecord
    plan: Plan


def _new_invite(
    secret_key: str, kind: InviteKind, expires_at: datetime, **fields: str
) -> NewInvite:
    salt = new_salt()
    return NewInvite(
        kind=kind,
        token_hash=hash_token(invite_token(secret_key, salt)),
        salt=salt,
        expires_at=expires_at,
        **fields,
    )


def personal_invite(secret_key: str, expires_at: datetime, **fields: str) -> NewInvite:
    """A personal link for one named person (a roster row, or someone carried into the next
    call of a series)."""
    return _new_invite(secret_key, InviteKind.PERSONAL, expires_at, **fields)


def invite_expiry(now: datetime, starts_at: datetime, days: int) -> datetime:
    """When new links for a call stop working: ``days`` from now, but never before two
    days after the call starts, so a link sent late still works on the day."""
    return max(now + timedelta(days=days), starts_at + timedelta(days=2))


def roster_invites(
    secret_key: str, expires_at: datetime, rows: Iterable[RosterRow]
) -> list[NewInvite]:
    """One personal invite per roster row (the CSV download and the mailed invitations
    both start from these)."""
    return [
        personal_invite(
            secret_key,
            expires_at,
            name=row.name,
            email=row.email,
            organisation=row.organisation,
            language=row.language,
        )
        for row in rows
    ]


async def shared_invite(
    db: Database,
    host: HostRecord,
    public_id: str,
    links: InviteLinks,
    *,
    now: datetime,
    days: int,
    renew: bool = False,
) -> InviteRecord:
    """The convening's shared link, made on first use; ``renew`` revokes the old one."""
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        current = None if renew else await invite_store.current_shared_invite(tx, convening.id)
        if current is not None and current.expires_at > now:
            return current
        return await renew_shared_invite(tx, convening, LinkRenewal(links, days), now=now)


@dataclass(frozen=True, slots=True)
class LinkRenewal:
    """What making a new shared link takes: the signing key and how long links last."""

    links: InviteLinks
    days: int


async def renew_shared_invite(
    tx: AsyncSession, convening: ConveningRecord, renewal: LinkRenewal, *, now: datetime
) -> InviteRecord:
    """Revoke the convening's shared link and make a new one, inside the caller's
    transaction (a removal renews it in the same unit of work)."""
    await invite_store.revoke_shared_invites(tx, convening.id)
    expires_at = invite_expiry(now, convening.starts_at, renewal.days)
    (created,) = await invite_store.insert_invites(
        tx,
        convening_id=convening.id,
        invites=[_new_invite(renewal.links.secret_key, InviteKind.SHARED, expires_at)],
        now=now,
    )
    return created


async def import_roster(
    db: Database,
    host: HostRecord,
    public_id: str,
    links: InviteLinks,
    data: bytes,
    *,
    now: datetime,
    days: int,
    max_rows: int,
) -> str:
    """Create a personal invite per roster row; returns the links as CSV text.

    Every row is checked before the first insert, so a bad row leaves the database as it was.
    """
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        rows = parse_roster(data, languages=convening.languages, max_rows=max_rows)
        expires_at = invite_expiry(now, convening.starts_at, days)
        created = await invite_store.insert_invites(
            tx,
            convening_id=convening.id,
            invites=roster_invites(links.secret_key, expires_at, rows),
            now=now,
        )
    return personal_links_csv(created, links)


def personal_links_csv(invites: list[InviteRecord], links: InviteLinks) -> str:
    return write_csv(
        ("name", "email", "organisation", "language", "link"),
        (
            (invite.name, invite.email, invite.organisation, invite.language, links.url(invite))
            for invite in invites
        ),
    )


async def personal_invites(db: Database, host: HostRecord, public_id: str) -> list[InviteRecord]:
    async with db.transaction() as tx:
        convening = await convening_store.get_convening_for_host(
            tx, host_id=host.id, public_id=public_id
        )
        return await invite_store.list_personal_invites(tx, convening.id)


async def open_invite(db: Database, token: str, *, now: datetime) -> OpenedInvite:
    """The invite behind a link; unknown, revoked and expired links are all "not found"."""
    async with db.transaction() as tx:
        invite = await invite_store.find_invite(tx, hash_token(token))
        if invite is None or invite.revoked or invite.expires_at <= now:
            raise InviteNotFound("this invite link is unknown or has expired")
        convening = await convening_store.get_convening_by_id(tx, invite.convening_id)
        rounds = await agenda_store.list_rounds(tx, convening.id)
    return OpenedInvite(invite=invite, plan=Plan(convening=convening, rounds=tuple(rounds)))
