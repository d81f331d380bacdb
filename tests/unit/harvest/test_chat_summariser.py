"""The harvest's LLM summariser with its transport handed in (#28): harvest words the question
and reads the answer; whatever carries them (crossroads.llm over HTTP, here a plain function)
is the caller's."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pytest

from crossroads.harvest.errors import SummariserFailed
from crossroads.harvest.summaries import ChatSummariser, ThemeDigest

pytestmark = pytest.mark.unit


def test_the_summariser_asks_its_transport_and_reads_the_answer() -> None:
    sent: list[Sequence[Mapping[str, str]]] = []

    def complete(messages: Sequence[Mapping[str, str]]) -> str:
        sent.append(messages)
        return '```json\n{"label": "Rent  and heat", "summary": "Rents rose."}\n```'

    summary = ChatSummariser(complete, max_texts=1).summarise(
        ThemeDigest("q?", ("rent",), ("Rents doubled.", "Heat is dear."), "fr")
    )

    assert (summary.label, summary.summary) == ("Rent and heat", "Rents rose.")
    [[system, user]] = sent
    assert system["role"] == "system"
    assert json.loads(user["content"]) == {
        "language": "fr",
        "prompt": "q?",
        "keyphrases": ["rent"],
        "contributions": ["Rents doubled."],
    }


def test_a_transport_that_fails_fails_the_summary() -> None:
    def complete(messages: Sequence[Mapping[str, str]]) -> str:
        raise SummariserFailed("http://127.0.0.1:9: connection refused")

    with pytest.raises(SummariserFailed, match="connection refused"):
        ChatSummariser(complete).summarise(ThemeDigest("q?", (), ()))
