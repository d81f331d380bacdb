"""The foundation's use cases on a real PostgreSQL server (asyncpg)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crossroads.convenings import hosts, invitations, joining, planning
from crossroads.convenings.errors import RosterRowInvalid
from crossroads.convenings.invitations import InviteLinks
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
                db, host, pid, title="", kind=RoundKind.PAIRS, group_size=2, duration_minutes=10
            )
            await planning.add_prompt(
                db,
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
