"""The foundation's use cases on a real PostgreSQL server (asyncpg)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crossroads.convenings import hosts, invitations, joining, planning, rounds
from crossroads.convenings.errors import RosterRowInvalid
from crossroads.convenings.invitations import InviteLinks
from crossroads.convenings.live_state import load_snapshot
from crossroads.live.publisher import Events
from crossroads.store.convenings import ConveningFields
from crossroads.store.database import Database
from crossroads.store.errors import Conflict, NotFound
from crossroads.store.participants import ProfileFields
from crossroads.store.records import PrivacyMode, RoundKind
from tests.integration.postgres import fresh_database, requires_postgres

pytestmark = [pytest.mark.integration, requires_postgres]
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
LINKS = InviteLinks(base_url="http://127.0.0.1:1", secret_key="k" * 40)


def _fields(title: str) -> ConveningFields:
    return ConveningFields(
        title=title,
        description="",
        starts_at=NOW + timedelta(days=3),
        timezone="Africa/Nairobi",
        duration_minutes=90,
        languages=("en", "fr"),
        plenary_url="",
        code_of_conduct="Be kind.",
        privacy_mode=PrivacyMode.CHATHAM_HOUSE,
    )


def _profile(name: str) -> ProfileFields:
    return ProfileFields(
        display_name=name,
        organisation=f"{name} Org",
        movements=("climate",),
        region="East Africa",
        languages=("en",),
        about="",
        consent_listed=True,
        consent_quoted=False,
    )


async def test_postgres_plan_invite_join_and_scope() -> None:
    async with fresh_database() as url:
        db = Database(url)
        try:
            await db.migrate()
            host = await hosts.create_host(
                db, email="h@example.org", display_name="H", password="long password", now=NOW
            )
            other = await hosts.create_host(
                db, email="o@example.org", display_name="O", password="long password", now=NOW
            )
            convening = await planning.create_convening(db, host, _fields("PG call"), now=NOW)
            pid = convening.public_id
            plan = await planning.add_round(
                db,
                Events(),
                host,
                pid,
                title="",
                kind=RoundKind.PAIRS,
                group_size=2,
                duration_minutes=10,
            )
            await planning.add_prompt(
                db,
                Events(),
                host,
                pid,
                round_id=plan.rounds[0].public_id,
                texts={"en": "Why?", "fr": "Pourquoi ?"},
            )
            shared = await invitations.shared_invite(db, host, pid, LINKS, now=NOW, days=30)
            ana = await joining.join_convening(
                db, LINKS.token(shared), _profile("Ana"), coc_accepted=True, now=NOW
            )
            await joining.join_convening(
                db, LINKS.token(shared), _profile("Bilal"), coc_accepted=True, now=NOW
            )
            lobby = await joining.lobby_for(db, ana, pid)
            stored = await planning.get_plan_for_host(db, host, pid)

            assert [p.display_name for p in lobby.people] == ["Ana", "Bilal"]
            assert [p.organisation for p in lobby.people] == ["", ""]
            assert stored.convening.starts_at == NOW + timedelta(days=3)
            assert stored.rounds[0].prompts[0].texts == {"en": "Why?", "fr": "Pourquoi ?"}
            with pytest.raises(NotFound):
                await planning.get_plan_for_host(db, other, pid)
            with pytest.raises(Conflict):
                await hosts.create_host(
                    db, email="h@example.org", display_name="H2", password="long password", now=NOW
                )
            with pytest.raises(RosterRowInvalid):
                await invitations.import_roster(
                    db,
                    host,
                    pid,
                    LINKS,
                    b"name,email\nA,a@x.org\nB,bad\n",
                    now=NOW,
                    days=3,
                    max_rows=9,
                )
            assert await invitations.personal_invites(db, host, pid) == []
        finally:
            await db.dispose()


async def test_postgres_round_start_writes_every_seat_and_reads_them_back() -> None:
    """The round start's bulk insert goes straight to the driver (store/live.py): on asyncpg
    too every group and seat must land, with its JSON columns intact."""
    async with fresh_database() as url:
        db = Database(url)
        try:
            await db.migrate()
            host = await hosts.create_host(
                db, email="h@example.org", display_name="H", password="long password", now=NOW
            )
            convening = await planning.create_convening(db, host, _fields("PG round"), now=NOW)
            pid = convening.public_id
            for title in ("One", "Two"):
                await planning.add_round(
                    db,
                    Events(),
                    host,
                    pid,
                    title=title,
                    kind=RoundKind.PAIRS,
                    group_size=2,
                    duration_minutes=10,
                )
            shared = await invitations.shared_invite(db, host, pid, LINKS, now=NOW, days=30)
            people = [
                await joining.join_convening(
                    db, LINKS.token(shared), _profile(f"P{i}"), coc_accepted=True, now=NOW
                )
                for i in range(6)
            ]
            present = {p.id for p in people}

            first = await rounds.start_round(db, Events(), convening.id, present=present, now=NOW)
            second = await rounds.start_round(db, Events(), convening.id, present=present, now=NOW)
            state = await load_snapshot(db, convening.id)

            assert first.state is not None and second.state is not None
            assert [g.members for g in state.groups] == [g.members for g in second.state.groups]
            assert sorted(m for g in state.groups for m in g.members) == sorted(present)
            assert all(len(g.members) == 2 for g in state.groups)
            assert all(g.shared_languages == ("en",) for g in state.groups)
            assert all(g.reasons for g in state.groups)
            assert state.run is not None and state.run.number == 2
        finally:
            await db.dispose()
