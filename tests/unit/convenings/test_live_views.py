"""Live views joined from cached JSON pieces read back as the data they were made from."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossroads.convenings.live_state import LiveSnapshot
from crossroads.convenings.live_views import ViewCache, ViewRenderer, _Recent, host_view
from crossroads.convenings.planning import Plan
from crossroads.store.live import GroupRecord, RunRecord
from crossroads.store.records import (
    ConveningRecord,
    ConveningStatus,
    ParticipantRecord,
    PrivacyMode,
    PromptRecord,
    RoundKind,
    RoundRecord,
)

pytestmark = pytest.mark.unit

NOW = datetime(2030, 5, 4, 14, 0, tzinfo=UTC)
GRACE = timedelta(seconds=60)
FRENCH = {"you share a language": "vous partagez une langue"}


def _person(pid: int, name: str, organisation: str = "Org", about: str = "") -> ParticipantRecord:
    return ParticipantRecord(
        id=pid,
        public_id=f"pub{pid}",
        convening_id=1,
        invite_id=None,
        display_name=name,
        email="",
        organisation=organisation,
        movements=("land",),
        region="Andes",
        languages=("es", "en"),
        about=about,
        consent_listed=True,
        consent_quoted=False,
        coc_accepted_at=NOW,
        joined_at=NOW,
    )


def _group(
    number: int, members: tuple[int, ...], away: frozenset[int] = frozenset()
) -> GroupRecord:
    return GroupRecord(
        id=number,
        number=number,
        topic="",
        shared_languages=("es",),
        needs_interpretation=False,
        reasons=("shared_language",),
        compromises=("repeat",),
        members=members,
        away=away,
    )


def _state(
    people: list[ParticipantRecord], groups: tuple[GroupRecord, ...], mode: PrivacyMode
) -> LiveSnapshot:
    convening = ConveningRecord(
        id=1,
        public_id="conv",
        host_id=1,
        title="Coalition call",
        description="",
        starts_at=NOW,
        timezone="UTC",
        duration_minutes=90,
        languages=("en", "fr"),
        plenary_url="",
        code_of_conduct="Be kind.",
        privacy_mode=mode,
        status=ConveningStatus.LIVE,
        created_at=NOW,
    )
    round_ = RoundRecord(
        id=1,
        public_id="r1",
        convening_id=1,
        position=1,
        title="Pairs",
        kind=RoundKind.PAIRS,
        group_size=2,
        duration_minutes=10,
        prompts=(PromptRecord(1, "p1", 1, 1, {"en": "Why?", "fr": "Pourquoi ?"}),),
    )
    run = RunRecord(1, 1, 1, 1, NOW, NOW + timedelta(minutes=10), None)
    return LiveSnapshot(
        plan=Plan(convening=convening, rounds=(round_,)),
        seq=7,
        run=run,
        round=round_,
        groups=groups,
        people={p.id: p for p in people},
        broadcasts=(),
        help_calls=(),
        sitting_out=frozenset(),
        ended_at=None,
        locked=False,
    )


def test_participant_view_holds_the_group_cards_reasons_and_compromises_translated() -> None:
    ana, bilal = _person(1, "Ana", "Tierra Viva"), _person(2, "Bilal", "Water Watch")
    state = _state([ana, bilal], (_group(1, (1, 2)),), PrivacyMode.NAMED)

    view = json.loads(
        ViewRenderer(
            state, now=NOW, grace=GRACE, language="fr", translate=lambda s: FRENCH.get(s, s)
        ).json_for(1)
    )

    assert view["you"] == {"id": "pub1", "sitting_out": False, "muted": False}
    assert view["group"] == {
        "number": 1,
        "topic": "",
        "members": [
            {
                "id": "pub1",
                "name": "Ana",
                "organisation": "Tierra Viva",
                "about": "",
                "languages": ["es", "en"],
            },
            {
                "id": "pub2",
                "name": "Bilal",
                "organisation": "Water Watch",
                "about": "",
                "languages": ["es", "en"],
            },
        ],
        "shared_languages": ["es"],
        "needs_interpretation": False,
        "reasons": ["vous partagez une langue"],
        "compromises": ["you met earlier in this call: there was no one new left to meet"],
    }
    assert view["round"]["prompts"] == [{"id": "p1", "text": "Pourquoi ?"}]


def test_chatham_house_views_hide_organisations_from_partners_but_not_from_the_host() -> None:
    ana, bilal = _person(1, "Ana", "Tierra Viva"), _person(2, "Bilal", "Water Watch")
    state = _state([ana, bilal], (_group(1, (1, 2)),), PrivacyMode.CHATHAM_HOUSE)
    views = ViewCache()

    mine = json.loads(
        ViewRenderer(
            state, now=NOW, grace=GRACE, language="en", translate=str, views=views
        ).json_for(2)
    )
    host = json.loads(
        host_view(
            state, now=NOW, grace=GRACE, language="en", translate=str, connected={1}, views=views
        )
    )

    assert [m["organisation"] for m in mine["group"]["members"]] == ["", ""]
    assert [m["organisation"] for m in host["groups"][0]["members"]] == ["", ""]
    assert [(p["name"], p["organisation"], p["connected"]) for p in host["people"]] == [
        ("Ana", "Tierra Viva", True),
        ("Bilal", "Water Watch", False),
    ]
    assert host["connected"] == 1


def test_a_person_who_dropped_out_is_listed_away_for_the_host_and_not_shown_to_partners() -> None:
    people = [_person(1, "Ana"), _person(2, "Bilal"), _person(3, "Chen")]
    state = _state(people, (_group(1, (1, 2, 3), away=frozenset({3})),), PrivacyMode.NAMED)

    partner = json.loads(
        ViewRenderer(state, now=NOW, grace=GRACE, language="en", translate=str).json_for(1)
    )
    gone = json.loads(
        ViewRenderer(state, now=NOW, grace=GRACE, language="en", translate=str).json_for(3)
    )
    host = json.loads(
        host_view(state, now=NOW, grace=GRACE, language="en", translate=str, connected={1, 2})
    )

    assert [m["name"] for m in partner["group"]["members"]] == ["Ana", "Bilal"]
    assert gone["group"] is None
    assert host["groups"][0]["away"] == ["pub3"]


def test_an_edited_profile_is_shown_at_once_although_the_old_card_was_cached() -> None:
    views = ViewCache()
    before = _state(
        [_person(1, "Ana"), _person(2, "Bilal")], (_group(1, (1, 2)),), PrivacyMode.NAMED
    )
    ViewRenderer(before, now=NOW, grace=GRACE, language="en", translate=str, views=views).json_for(
        1
    )
    after = _state(
        [_person(1, "Ana"), _person(2, "Bilal B.")], (_group(1, (1, 2)),), PrivacyMode.NAMED
    )

    view = json.loads(
        ViewRenderer(
            after, now=NOW, grace=GRACE, language="en", translate=str, views=views
        ).json_for(1)
    )

    assert [m["name"] for m in view["group"]["members"]] == ["Ana", "Bilal B."]


def test_a_warmed_cache_gives_the_same_views_as_a_cold_one() -> None:
    people = [_person(i, f"Person {i}") for i in range(1, 7)]
    groups = (_group(1, (1, 2)), _group(2, (3, 4)), _group(3, (5, 6)))
    state = _state(people, groups, PrivacyMode.NAMED)
    warm = ViewCache()
    warm.warm(state, groups, ["en", "fr"], lambda language: str)

    for pid in range(1, 7):
        hot = ViewRenderer(state, now=NOW, grace=GRACE, language="fr", translate=str, views=warm)
        cold = ViewRenderer(state, now=NOW, grace=GRACE, language="fr", translate=str)
        assert hot.json_for(pid) == cold.json_for(pid)


@given(
    name=st.text(max_size=40),
    organisation=st.text(max_size=40),
    about=st.text(max_size=80),
    topic=st.text(max_size=20),
)
def test_any_user_text_survives_the_hand_joined_json(
    name: str, organisation: str, about: str, topic: str
) -> None:
    people = [_person(1, name, organisation, about), _person(2, "Bilal")]
    group = GroupRecord(
        id=1,
        number=1,
        topic=topic,
        shared_languages=("es",),
        needs_interpretation=True,
        reasons=(),
        compromises=(),
        members=(1, 2),
        away=frozenset(),
    )
    state = _state(people, (group,), PrivacyMode.NAMED)

    view = json.loads(
        ViewRenderer(state, now=NOW, grace=GRACE, language="en", translate=str).json_for(2)
    )
    host = json.loads(
        host_view(state, now=NOW, grace=GRACE, language="en", translate=str, connected=())
    )

    card = {
        "id": "pub1",
        "name": name,
        "organisation": organisation,
        "about": about,
        "languages": ["es", "en"],
    }
    assert view["group"]["members"][0] == card
    assert view["group"]["topic"] == topic
    assert view["group"]["needs_interpretation"] is True
    assert host["people"][0] == {**card, "connected": False, "sitting_out": False, "muted": False}


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=300))
def test_the_view_cache_stays_bounded_and_keeps_what_was_just_used(
    steps: list[tuple[bool, int]],
) -> None:
    recent = _Recent(limit=8)
    for is_put, key in steps:
        if is_put:
            recent.put(key, f"text {key}")
            assert recent.get(key) == f"text {key}"
        else:
            assert recent.get(key) in (None, f"text {key}")
        assert len(recent) <= 8


def test_the_view_cache_drops_what_was_not_used_lately() -> None:
    recent = _Recent(limit=4)
    for key in ("a", "b", "c"):
        recent.put(key, key)
    recent.get("a")  # used again: moves to the younger generation
    recent.put("d", "d")

    assert [recent.get(k) for k in ("a", "b", "c", "d")] == ["a", None, "c", "d"]
