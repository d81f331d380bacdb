"""Privacy on every path: names in any form, contacts, speaker prefixes and refusals.

Unit tests for each rule, then properties over generated notes and rosters read through the
same path as the CLI (``read_notes`` -> ``harvest`` -> Markdown, HTML, JSON, and what an LLM
summariser would be sent).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crossroads.harvest.export import reflection_data
from crossroads.harvest.fragment import render_html
from crossroads.harvest.markdown import render_markdown
from crossroads.harvest.model import HarvestInput, PrivacyMode, RosterEntry
from crossroads.harvest.privacy import Scrubber, fold, is_chat_line, remove_contacts
from crossroads.harvest.reflection import harvest
from crossroads.harvest.sources import read_notes
from crossroads.harvest.summaries import KeyphraseSummariser, ThemeDigest, ThemeSummary

pytestmark = pytest.mark.unit

lucia = RosterEntry("l", "Lucía Fernández", "Vecinas Unidas")
jean = RosterEntry("j", "Jean-Marc Dubois")
li = RosterEntry("w", "Li Wu")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lucia said so", "[participant] said so"),  # accent left out
        ("LUCÍA said so", "[participant] said so"),  # upper case
        ("fernandez said so", "[participant] said so"),  # a part, folded
        ("Jean-Marc said so", "[participant] said so"),  # hyphenated whole
        ("jean and Marc said so", "[participant] and [participant] said so"),  # its parts
        ("Li said so", "[participant] said so"),  # a two-letter name
        ("de la Cruz", "de la Cruz"),  # particles alone are not names
    ],
)
def test_scrubber_matches_names_accent_and_case_insensitively_in_parts(
    text: str, expected: str
) -> None:
    assert Scrubber([lucia, jean, li, RosterEntry("c", "María de la Paz")]).scrub(text) == expected


def test_scrubber_removes_speakers_who_are_not_on_the_roster() -> None:
    assert Scrubber([], ["Rosa Delgado"]).scrub("As rosa said") == "As [participant] said"


@pytest.mark.parametrize(
    "text", ["write to ana.perez@example.org now", "ping @ana_p now", "ping @a now"]
)
def test_contacts_are_removed_whoever_they_are(text: str) -> None:
    scrubbed = remove_contacts(text)

    assert "@" not in scrubbed and "[contact]" in scrubbed
    assert "@" not in Scrubber([]).scrub(text)


@pytest.mark.parametrize(
    ("text", "chat"),
    [
        ("Let's start with prompt 1.", True),
        ("Hi everyone, good to see you all!", True),
        ("Sorry, my connection dropped, can you hear me?", True),
        ("Gracias a todos", True),
        ("Thanks to the unions the strike held", False),
        ("hello housing is expensive", False),
        ("We need to start with prompt questions that matter to tenants and workers", False),
    ],
)
def test_chat_lines_are_told_from_contributions(text: str, chat: bool) -> None:
    assert is_chat_line(text) is chat


def test_a_theme_name_is_never_a_name_nor_six_copied_words() -> None:
    people = tuple(RosterEntry(f"u{i}", n) for i, n in enumerate(["Ana Pérez", "Bo Li", "Kim"]))
    texts = [
        "Ana Pérez organised the tenants union against the rent increases downtown",
        "Bo Li organised the tenants union against the rent increases downtown",
        "Kim organised the tenants union against the rent increases downtown",
    ]
    notes = "## Q\n" + "".join(f"- {t}\n" for t in texts)
    parsed = read_notes(notes, source="n.md", roster=people)

    class Copier:
        # A summariser proposing a whole sentence and a name: both must be refused.
        def summarise(self, digest: ThemeDigest) -> ThemeSummary:
            return ThemeSummary(label="Ana Pérez organised the tenants union")

    reflection = harvest(
        HarvestInput(title="t", prompts=parsed.prompts, roster=people), summariser=Copier()
    )

    (theme,) = reflection.prompts[0].themes
    assert "ana" not in fold(theme.label) and "perez" not in fold(theme.label)
    assert len(theme.label.replace(",", " ").split()) <= 5


# --- properties ----------------------------------------------------------------------------

_VOCABULARY = [
    "rent",
    "strike",
    "floods",
    "heat",
    "union",
    "wages",
    "water",
    "drought",
    "evictions",
    "tenants",
    "landlords",
    "workers",
    "migrants",
    "borders",
    "police",
    "budget",
    "schools",
    "farmers",
    "climate",
    "housing",
    "energy",
    "debt",
    "solidarity",
    "alquiler",
    "vivienda",
    "sequía",
    "sindicato",
    "salarios",
    "logement",
    "loyers",
    "grève",
    "inondations",
    "eau",
]
_FOLDED_VOCABULARY = {fold(w) for w in _VOCABULARY}
# The harvest's own wording ("were", "and", ...): a generated name that spells one of these
# words is not leaked when the note's fixed text uses that word.
_CATALOGUE = Path(__file__).resolve().parents[3] / "src/crossroads/locale/messages.pot"
_TEMPLATE_WORDS = {
    fold(word)
    for line in _CATALOGUE.read_text(encoding="utf-8").splitlines()
    if line.startswith(("msgid ", "msgid_plural ", '"'))
    for word in re.findall(r"[^\W\d_]+", line)
}
_SYLLABLES = ["cí", "ré", "jo", "ke", "ñe", "zu", "xo", "ïa", "vy", "qo", "wé", "ky"]
# One per person, ending each surname: names differ, and none is a word of the vocabulary.
_UNIQUE = ["vod", "kyp", "wüj", "qaz", "fyx", "zéw"]


@st.composite
def _name_part(draw: st.DrawFn) -> str:
    part = "".join(draw(st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=3)))
    if draw(st.booleans()):  # hyphenated first names: Jean-Marc
        part += "-" + "".join(draw(st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=2)))
    assume(not {fold(p) for p in part.split("-")} & _TEMPLATE_WORDS)
    return part.capitalize()


@st.composite
def _call(draw: st.DrawFn) -> tuple[str, tuple[RosterEntry, ...], list[str], list[str]]:
    """Notes, roster, everyone's names (listed and not) and the refusing people's texts."""
    count = draw(st.integers(min_value=2, max_value=5))
    names = [
        f"{draw(_name_part())} {draw(_name_part())}{_UNIQUE[i]}".replace(" -", " ")
        for i in range(count + 1)
    ]
    assert not {fold(p) for n in names for p in re.split(r"[\s-]+", n)} & _FOLDED_VOCABULARY
    people = tuple(
        RosterEntry(f"u{i}", names[i], consent_quote=draw(st.booleans())) for i in range(count)
    )
    unlisted = names[count]  # writes "Name: ..." but is not on the roster

    def variant(name: str) -> str:
        form = draw(st.sampled_from(["same", "upper", "lower", "plain", "part"]))
        if form == "upper":
            return name.upper()
        if form == "lower":
            return name.lower()
        if form == "plain":  # accents left out
            return "".join(
                c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c)
            )
        return draw(st.sampled_from(re.split(r"[\s-]+", name))) if form == "part" else name

    lines, refused = ["# Call", "", "## What came up?", ""], []
    for _ in range(draw(st.integers(min_value=3, max_value=14))):
        # Distinct words: a run of six is then a real copy, not "rent rent ..." by chance.
        words = draw(st.lists(st.sampled_from(_VOCABULARY), min_size=2, max_size=10, unique=True))
        extra = draw(st.sampled_from(["", "name", "handle", "email"]))
        if extra == "name":
            words.insert(draw(st.integers(0, len(words))), variant(draw(st.sampled_from(names))))
        elif extra == "handle":
            words.append("@" + fold(names[0]).split()[0].replace("-", "_"))
        elif extra == "email":
            words.append(fold(names[0]).split()[0].replace("-", ".") + "@example.org")
        speaker = draw(st.sampled_from([*people, None, unlisted]))
        if isinstance(speaker, RosterEntry):
            prefix = f"{speaker.name}: "
            if not speaker.consent_quote:
                refused.append(" ".join(words))
        elif speaker:
            prefix = f"{speaker}: "
            refused.append(" ".join(words))  # nobody knows whether they consented
        else:
            prefix = ""
            refused.append(" ".join(words))
        lines.append(f"- {prefix}{' '.join(words)}")
    return "\n".join(lines) + "\n", people, names, refused


class _Recorder(KeyphraseSummariser):
    """The default summariser, keeping what it was sent: what an LLM backend would see."""

    def __init__(self) -> None:
        self.sent: list[ThemeDigest] = []

    def summarise(self, digest: ThemeDigest) -> ThemeSummary:
        self.sent.append(digest)
        return super().summarise(digest)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def _runs(text: str) -> set[str]:
    words = _words(text)
    return {" ".join(words[i : i + 6]) for i in range(len(words) - 5)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_call())
def test_chatham_house_output_has_no_name_contact_or_six_words_of_a_refusal(
    call: tuple[str, tuple[RosterEntry, ...], list[str], list[str]],
) -> None:
    notes, people, names, refused = call
    parsed = read_notes(notes, source="notes.md", roster=people)
    recorder = _Recorder()
    data = HarvestInput(
        title="Call",
        privacy_mode=PrivacyMode.CHATHAM_HOUSE,
        prompts=parsed.prompts,
        roster=people,
    )

    reflection = harvest(data, summariser=recorder)

    sent = json.dumps([d.__dict__ for d in recorder.sent], ensure_ascii=False)
    outputs = {
        "markdown": render_markdown(reflection),
        "html": render_html(reflection),
        "json": json.dumps(reflection_data(reflection), ensure_ascii=False),
        "llm": sent,
    }
    consented = {
        run
        for person in people
        if person.consent_quote
        for line in notes.splitlines()
        if line.startswith(f"- {person.name}: ")
        for run in _runs(line.split(": ", 1)[1])
    }
    for where, output in outputs.items():
        words = set(_words(output))
        # The unlisted person's name is known only if they spoke ("Name: ..."); a name nobody
        # could know is not a name to the harvest.
        known = [n for n in names if n in {p.name for p in people} or f"- {n}: " in notes]
        for name in known:
            for part in re.split(r"[\s-]+", name):
                assert fold(part) not in words, (where, part)
        assert "@" not in output.replace("@context", ""), where
        output_runs = _runs(output)
        for text in refused:
            leaked = (_runs(text) - consented) & output_runs
            assert not leaked, (where, leaked)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_call())
def test_an_llm_backend_is_sent_only_consenting_peoples_text(
    call: tuple[str, tuple[RosterEntry, ...], list[str], list[str]],
) -> None:
    notes, people, _names, _refused = call
    parsed = read_notes(notes, source="notes.md", roster=people)
    recorder = _Recorder()
    consenting_words = {
        w
        for p in parsed.prompts
        for c in p.contributions
        if c.author_id in {x.id for x in people if x.consent_quote}
        for w in _words(c.text)
    }

    harvest(
        HarvestInput(
            title="Call",
            privacy_mode=PrivacyMode.NAMED,
            prompts=parsed.prompts,
            roster=people,
        ),
        summariser=recorder,
    )

    for digest in recorder.sent:
        for text in (*digest.texts, *digest.keyphrases):
            assert set(_words(text)) <= consenting_words | {"contact"}
