"""Naming a theme: from its keyphrases (default), or by an LLM whose transport is handed in.

A ``Summariser`` sees one ``ThemeDigest`` at a time: the prompt, the keyphrases and only the
texts of people who consented to be quoted (already scrubbed in Chatham House mode). It never
sees names, organisations or anything from people who did not consent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from crossroads.harvest.privacy import clean_text

_LABEL_LIMIT = 80
_SUMMARY_LIMIT = 400


@dataclass(frozen=True)
class ThemeDigest:
    prompt_text: str
    keyphrases: tuple[str, ...]
    texts: tuple[str, ...]
    language: str = "en"


@dataclass(frozen=True)
class ThemeSummary:
    label: str
    summary: str | None = None


class Summariser(Protocol):
    def summarise(self, digest: ThemeDigest) -> ThemeSummary: ...


def label_from_keyphrases(keyphrases: Sequence[str], fallback: str = "") -> str:
    """``("rent control", "evictions", ...)`` -> ``"Rent control, evictions"``."""
    words = ", ".join(keyphrases[:2]) or " ".join(fallback.split()[:6])
    return words[:1].upper() + words[1:]


class KeyphraseSummariser:
    """The default: the label is the two top keyphrases; no summary sentence."""

    def summarise(self, digest: ThemeDigest) -> ThemeSummary:
        fallback = digest.texts[0] if digest.texts else ""
        return ThemeSummary(label=label_from_keyphrases(digest.keyphrases, fallback))


_SYSTEM_PROMPT = (
    "You help facilitators of coalition calls write a reflection note. You get one theme: the "
    "prompt question, keyphrases and what participants wrote. Answer with JSON only: "
    '{"label": "<a short label, at most 6 words>", "summary": "<one sentence>"}, '
    "written in the language whose code is given. Do not name any person or organisation."
)


# Messages in the chat format (role, content) in, the answer's text out. The transport (an
# OpenAI-compatible HTTP client, ``crossroads.llm``) is handed in, so harvest stays pure: it
# words the question and reads the answer, and never opens a connection (#28). A transport
# that cannot answer raises ``SummariserFailed``.
ChatCompletion = Callable[[Sequence[Mapping[str, str]]], str]


class ChatSummariser:
    """Labels and summarises themes by asking an LLM through ``complete``.

    Off by default; the host turns it on and points it at a server they trust (see
    ``crossroads.llm.llm_summariser``).
    """

    def __init__(self, complete: ChatCompletion, *, max_texts: int = 20) -> None:
        self._complete = complete
        self._max_texts = max_texts

    def summarise(self, digest: ThemeDigest) -> ThemeSummary:
        return _parse_content(self._complete(self.messages(digest)), digest)

    def messages(self, digest: ThemeDigest) -> list[dict[str, str]]:
        """What the LLM is sent: the instructions and the theme, nothing else."""
        user = {
            "language": digest.language,
            "prompt": digest.prompt_text,
            "keyphrases": list(digest.keyphrases),
            "contributions": list(digest.texts[: self._max_texts]),
        }
        return [
            {"role": "system", "content": _SYSTEM_PROMPT},
            {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
        ]


def _parse_content(content: str, digest: ThemeDigest) -> ThemeSummary:
    """Accept ``{"label", "summary"}`` JSON (perhaps in a code fence) or fall back to plain text."""
    text = content.strip().removeprefix("```json").removeprefix("```").removesuffix("```")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        label = clean_text(str(parsed.get("label", "")))
        summary = clean_text(str(parsed.get("summary", ""))) or None
    else:
        lines = [line for line in content.splitlines() if line.strip()]
        label, summary = clean_text(lines[0] if lines else ""), None
    label = " ".join(label.split())[:_LABEL_LIMIT]
    if not label:
        label = label_from_keyphrases(digest.keyphrases)
    if summary is not None:
        summary = " ".join(summary.split())[:_SUMMARY_LIMIT]
    return ThemeSummary(label=label, summary=summary)
