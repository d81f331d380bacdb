"""Who is asking: server-side sessions for hosts and participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crossroads.convenings.tokens import hash_token, new_token
from crossroads.store import hosts as host_store
from crossroads.store import participants as participant_store
from crossroads.store import sessions as session_store
from crossroads.store.database import Database
from crossroads.store.errors import NotFound
from crossroads.store.records import HostRecord, ParticipantRecord


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person behind a request: a host, a participant, or nobody (both None)."""

    host: HostRecord | None = None
    participant: ParticipantRecord | None = None


ANONYMOUS = Viewer()


async def start_session(
    db: Database,
    *,
    now: datetime,
    days: int,
    host_id: int | None = None,
    participant_id: int | None = None,
) -> str:
    """Create a session and return the raw token for the cookie (only its hash is kept)."""
    token = new_token()
    async with db.transaction() as tx:
        await session_store.insert_session(
            tx,
            token_hash=hash_token(token),
            host_id=host_id,
            participant_id=participant_id,
            now=now,
            expires_at=now + timedelta(days=days),
        )
    return token


async def end_session(db: Database, token: str) -> None:
    async with db.transaction() as tx:
        await session_store.delete_session(tx, hash_token(token))


async def resolve_viewer(db: Database, token: str | None, *, now: datetime) -> Viewer:
    if not token:
        return ANONYMOUS
    async with db.transaction() as tx:
        session = await session_store.find_session(tx, hash_token(token), now)
        if session is None:
            return ANONYMOUS
        try:
            if session.host_id is not None:
                return Viewer(host=await host_store.get_host(tx, session.host_id))
            if session.participant_id is not None:
                participant = await participant_store.get_participant(tx, session.participant_id)
                return Viewer(participant=participant)
        except NotFound:
            return ANONYMOUS
    return ANONYMOUS
