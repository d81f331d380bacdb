"""What each person sees live, built from a ``LiveSnapshot`` (the database's truth).

Participant views hold only what that person may see: their own group's cards (organisation
hidden in Chatham House mode), the round's prompts in their language, and the clock. Host
views hold every group, who is connected and open help calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from crossroads.convenings.calls import (
    TALKING_PHASES,
    CallConfig,
    call_is_personal,
    call_view,
)
from crossroads.convenings.live_state import LiveSnapshot, Phase, load_snapshot
from crossroads.convenings.translations import convening_text, round_title
from crossroads.live.hub import Connection
from crossroads.messages import N_
from crossroads.store.database import Database
from crossroads.store.live import GroupRecord
from crossroads.store.records import ParticipantRecord, PrivacyMode, RoundRecord
from crossroads.text_language import language_of, text_in

Translate = Callable[[str], str]

_json_string: Callable[[str], str] = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_JSON_BOOL = {True: "true", False: "false"}

REASON_TEXT: dict[str, str] = {
    "shared_language": N_("you share a language"),
    "different_organisations": N_("you work in different organisations"),
    "different_movements": N_("you come from different movements"),
    "different_regions": N_("you work in different regions"),
    "new_faces": N_("you have not met before"),
    "same_topic": N_("you chose the same topic"),
    "host_fixed": N_("the host put you together"),
}
COMPROMISE_TEXT: dict[str, str] = {
    "repeat": N_("you met earlier in this call: there was no one new left to meet"),
    "no_shared_language": N_("no shared language: interpretation may help"),
    "same_organisation": N_("you are from the same organisation"),
    "same_movement": N_("you come from the same movement"),
    "met_in_series": N_("you met in an earlier call of this series"),
}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _round(
    state: LiveSnapshot, round_: RoundRecord, language: str, grace: timedelta
) -> dict[str, Any]:
    assert state.run is not None
    return {
        "number": state.run.number,
        "position": round_.position,
        "title": round_title(round_, language),
        "kind": str(round_.kind),
        "group_size": round_.group_size,
        "started_at": _iso(state.run.started_at),
        "ends_at": _iso(state.run.ends_at),
        "wrap_up_until": _iso(state.run.ends_at + grace),
        "prompts": [
            {
                "id": p.public_id,
                "text": text_in(p.texts, language, state.plan.convening.languages),
            }
            for p in round_.prompts
        ],
    }


def _card(person: ParticipantRecord, mode: PrivacyMode) -> dict[str, Any]:
    # No "you" flag: a group's cards are the same for each member (the view's "you" says who).
    return {
        "id": person.public_id,
        "name": person.display_name,
        "organisation": "" if mode is PrivacyMode.CHATHAM_HOUSE else person.organisation,
        "about": person.about,
        "languages": list(person.languages),
    }


def _common(state: LiveSnapshot, now: datetime, grace: timedelta, language: str) -> dict[str, Any]:
    phase = state.phase(now, grace)
    return {
        "v": 1,
        "type": "snapshot",
        "seq": state.seq,
        "now": now.isoformat(),
        "phase": str(phase),
        "title": convening_text(state.plan.convening, "title", language),
        "plenary_url": state.plan.convening.plenary_url,
        "round": (
            _round(state, state.round, language, grace)
            if state.round is not None and phase is not Phase.LOBBY
            else None
        ),
        "next_round": _next(state, language),
        "agenda": _agenda(state, language),
        "broadcasts": [
            {"seq": b.seq, "text": b.text, "at": _iso(b.created_at)} for b in state.broadcasts
        ],
    }


def _agenda(state: LiveSnapshot, language: str) -> list[dict[str, Any]]:
    """The whole plan, so a lobby shows the host's edits as they are made (#31)."""
    fallbacks = state.plan.convening.languages
    return [
        {
            "id": r.public_id,
            "title": round_title(r, language),
            "kind": str(r.kind),
            "minutes": r.duration_minutes,
            "prompts": [
                {
                    "text": text_in(p.texts, language, fallbacks),
                    "lang": language_of(p.texts, language, fallbacks),
                }
                for p in r.prompts
            ],
        }
        for r in state.plan.rounds
    ]


def _next(state: LiveSnapshot, language: str) -> dict[str, Any] | None:
    upcoming = state.next_round()
    if upcoming is None:
        return None
    return {"id": upcoming.public_id, "title": upcoming.title, "kind": str(upcoming.kind)}


def host_view(
    state: LiveSnapshot,
    *,
    now: datetime,
    grace: timedelta,
    language: str,
    translate: Translate,
    connected: Collection[int],
    views: ViewCache | None = None,
) -> str:
    """The host console's view as JSON text: every group and every person, so it is joined
    from cached pieces (a console of 2,000 people is refreshed on every change)."""
    views = views if views is not None else ViewCache()
    common = json.dumps(_common(state, now, grace, language))[1:-1]
    connected_set = set(connected)
    people = state.people
    # Removed people are gone from the call: not listed, not counted, not offered in the
    # console's lists (#29). Their names still label old help calls and groups below.
    present = [p for p in people.values() if p.id not in state.removed]
    groups = ",".join(
        f"{views.group(state, g, language, translate)[:-1]},"
        f'"away":{_json_list([people[m].public_id for m in g.away if m in people])}}}'
        for g in state.groups
    )
    # The host always sees who is who (safety needs it: remove, mute, help), so their cards
    # are the named ones whatever the privacy mode.
    cards = ",".join(
        f"{views.card(p, PrivacyMode.NAMED)[:-1]},"
        f'"connected":{_JSON_BOOL[p.id in connected_set]},'
        f'"sitting_out":{_JSON_BOOL[p.id in state.sitting_out]},'
        f'"muted":{_JSON_BOOL[p.id in state.muted]}}}'
        for p in present
    )
    rest = {
        "connected": len(connected_set & {p.id for p in present}),
        "locked": state.locked,
        "help_calls": [
            {
                "id": h.id,
                "group": h.group_number,
                "name": people[h.participant_id].display_name if h.participant_id in people else "",
                "at": _iso(h.created_at),
            }
            for h in state.help_calls
        ],
        "rounds": [
            {"id": r.public_id, "title": r.title, "kind": str(r.kind), "position": r.position}
            for r in state.plan.rounds
        ],
    }
    return f'{{{common},"groups":[{groups}],"people":[{cards}],{json.dumps(rest)[1:-1]}}}'


_JSON_NULL = "null"


def _json_list(values: Collection[str]) -> str:
    return f"[{','.join(_json_string(v) for v in values)}]"


class _Recent:
    """A bounded map that keeps what was used lately: two generations, the older dropped
    whenever the younger fills up, and an entry found in the older moved to the younger.
    Plain dict reads and writes, which are atomic, so a worker thread may fill it."""

    def __init__(self, limit: int) -> None:
        self._half = max(1, limit // 2)
        self._young: dict[Any, str] = {}
        self._old: dict[Any, str] = {}

    def get(self, key: Any) -> str | None:
        text = self._young.get(key)
        if text is None:
            text = self._old.get(key)
            if text is not None:
                self.put(key, text)
        return text

    def put(self, key: Any, text: str) -> None:
        if len(self._young) >= self._half:
            self._old, self._young = self._young, {}
        self._young[key] = text

    def __len__(self) -> int:
        return len(self._young) + len(self._old)


class ViewCache:
    """The JSON text of people's cards and of groups, kept from one fan-out to the next.

    A person's card does not change between rounds and a group's part does not change while
    its round runs, yet every fan-out (a broadcast, a late joiner, a timer extended) would
    encode them all again. Entries are keyed by the records they are made from (frozen, so
    an edited profile or a moved person is a new key, never a stale text). The round plans
    worked out ahead fill it from a worker thread (``warm``); a lost race costs one
    encoding. Bounded by entry counts (a group's text is about a kilobyte): what was not
    used lately goes first.
    """

    def __init__(self, cards: int = 50_000, groups: int = 30_000) -> None:
        self._cards = _Recent(cards)
        self._groups = _Recent(groups)

    def card(self, person: ParticipantRecord, mode: PrivacyMode) -> str:
        key = (person, mode)
        text = self._cards.get(key)
        if text is None:
            text = json.dumps(_card(person, mode))
            self._cards.put(key, text)
        return text

    def group(
        self, state: LiveSnapshot, group: GroupRecord, language: str, translate: Translate
    ) -> str:
        """``_group``'s view as JSON text (the same fields, joined by hand)."""
        mode = state.plan.convening.privacy_mode
        members = tuple(state.people[m] for m in group.present if m in state.people)
        key = (group, language, mode, members)
        text = self._groups.get(key)
        if text is None:
            reasons = [translate(REASON_TEXT[r]) for r in group.reasons if r in REASON_TEXT]
            compromises = [
                translate(COMPROMISE_TEXT[c]) for c in group.compromises if c in COMPROMISE_TEXT
            ]
            text = (
                f'{{"number":{int(group.number)},"topic":{_json_string(group.topic)},'
                f'"members":[{",".join(self.card(m, mode) for m in members)}],'
                f'"shared_languages":{_json_list(group.shared_languages)},'
                f'"needs_interpretation":{_JSON_BOOL[bool(group.needs_interpretation)]},'
                f'"reasons":{_json_list(reasons)},"compromises":{_json_list(compromises)}}}'
            )
            self._groups.put(key, text)
        return text

    def warm(
        self,
        state: LiveSnapshot,
        groups: Collection[GroupRecord],
        languages: Collection[str],
        translations: Callable[[str], Translate],
    ) -> None:
        """Encode ``groups`` (a round worked out ahead) before anyone asks for them."""
        for language in languages:
            translate = translations(language)
            for group in groups:
                self.group(state, group, language, translate)


class ViewRenderer:
    """Participant views as JSON text for one fan-out, in one language.

    The parts everyone shares (round, prompts, broadcasts) and each group's part are encoded
    once; a person's message is those pieces joined: a round start for 2,000 people encodes
    about 1,000 groups, not 2,000 whole views.
    """

    def __init__(
        self,
        state: LiveSnapshot,
        *,
        now: datetime,
        grace: timedelta,
        language: str,
        translate: Translate,
        call_config: CallConfig | None = None,
        views: ViewCache | None = None,
    ) -> None:
        self.state = state
        self.translate = translate
        self._language = language
        self._views = views if views is not None else ViewCache()
        self._now = now
        self._grace = grace
        self._call_config = call_config
        self._talking = state.run is not None and state.phase(now, grace) in TALKING_PHASES
        self._calls: dict[int, str] = {}
        common = _common(state, now, grace, language)
        self._has_round = common["round"] is not None
        self._common = json.dumps(common)[1:-1]
        self._groups: dict[int, str] = {}
        self._group_of: dict[int, GroupRecord] = {}
        for group in state.groups:
            for member in group.members:
                self._group_of[member] = group

    def _group_json(self, group: GroupRecord) -> str:
        text = self._groups.get(group.number)
        if text is None:
            text = self._views.group(self.state, group, self._language, self.translate)
            self._groups[group.number] = text
        return text

    def _call_json(self, person: ParticipantRecord | None, group: GroupRecord | None) -> str:
        """``,"call":{...}`` for a member of a talking group (#7), else nothing: only the
        group's members ever learn its room or get TURN credentials. The same rule as
        ``calls.talking_group``, from the group this renderer already looked up."""
        if self._call_config is None or person is None or group is None or not self._talking:
            return ""
        if group.number in self._calls:
            return self._calls[group.number]
        view = call_view(self._call_config, self.state, group, person, now=self._now)
        text = f',"call":{json.dumps(view)}'
        if not call_is_personal(self._call_config, self.state):
            self._calls[group.number] = text
        return text

    def json_for(self, participant_id: int) -> str:
        person = self.state.people.get(participant_id)
        # Joined by hand: one json.dumps per person is a tenth of a 2,000-person fan-out.
        you = (
            f'{{"id":{_json_string(person.public_id if person else "")},'
            f'"sitting_out":{_JSON_BOOL[participant_id in self.state.sitting_out]},'
            f'"muted":{_JSON_BOOL[participant_id in self.state.muted]}}}'
        )
        group = self._group_of.get(participant_id)
        if group is None or participant_id in group.away or not self._has_round:
            group_json = "null"
        else:
            group_json = self._group_json(group)
        talking = None if group_json == "null" else group
        call = self._call_json(person, talking)
        return f'{{{self._common},"you":{you},"group":{group_json}{call}}}'


class HubViews:
    """The hub's ``Views`` (live/hub.py): states read from the database and the views built
    from them, for one server. Injected into the hub when the app is wired, so the live
    package renders without knowing what a convening is."""

    def __init__(
        self,
        db: Database,
        *,
        grace: timedelta,
        translations: Callable[[str], Translate],
        clock: Callable[[], datetime],
        call_config: CallConfig | None = None,
        views: ViewCache | None = None,
    ) -> None:
        self._db = db
        self._grace = grace
        self._translations = translations
        self._clock = clock
        self._call_config = call_config
        self._views = views

    async def load(self, convening_id: int) -> LiveSnapshot:
        return await load_snapshot(self._db, convening_id)

    def participant(self, state: LiveSnapshot, conn: Connection, cache: dict[Any, Any]) -> str:
        """A participant's view; ``cache`` shares the encoding work of one fan-out per
        language (a reconnect's single view passes an empty one)."""
        assert conn.participant_id is not None
        renderer = cache.get(conn.language)
        if renderer is None:
            renderer = cache[conn.language] = ViewRenderer(
                state,
                now=self._clock(),
                grace=self._grace,
                language=conn.language,
                translate=self._translations(conn.language),
                call_config=self._call_config,
                views=self._views,
            )
        return str(renderer.json_for(conn.participant_id))

    def host(self, state: LiveSnapshot, conn: Connection, present: set[int]) -> str:
        return host_view(
            state,
            now=self._clock(),
            grace=self._grace,
            language=conn.language,
            translate=self._translations(conn.language),
            connected=present,
            views=self._views,
        )

    def removed(self, state: LiveSnapshot) -> frozenset[int]:
        return state.removed
