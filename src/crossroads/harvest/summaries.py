"""Naming a theme: from its keyphrases (default), or by an LLM over an OpenAI-compatible API.

A ``Summariser`` sees one ``ThemeDigest`` at a time: the prompt, the keyphrases and only the
texts of people who consented to be quoted (already scrubbed in Chatham House mode). It never
sees names, organisations or anything from people who did not consent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from crossroads.harvest.errors import SummariserFailed
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


class LlmSummariser:
    """Labels and summarises themes through ``POST {base_url}/v1/chat/completions``.

    Off by default; the host turns it on and points it at a server they trust. ``api_key`` comes
    from the environment of whoever builds this object, never from a command-line flag.
    """

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_texts: int = 20,
        use_env_proxy: bool = True,
    ) -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise SummariserFailed(f"the LLM endpoint must be http or https, not {base_url!r}")
        self._url = base_url.rstrip("/") + "/v1/chat/completions"
        self._model = model
        self._api_key = api_key
        self._timeout = timeout
        self._max_texts = max_texts
        handlers = [] if use_env_proxy else [urllib.request.ProxyHandler({})]
        self._opener = urllib.request.build_opener(*handlers)

    def summarise(self, digest: ThemeDigest) -> ThemeSummary:
        user = {
            "language": digest.language,
            "prompt": digest.prompt_text,
            "keyphrases": list(digest.keyphrases),
            "contributions": list(digest.texts[: self._max_texts]),
        }
        body = {
            "model": self._model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": _SYSTEM_PROMPT},
                {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
            ],
        }
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        # The scheme was checked in __init__: only http and https reach here.
        request = urllib.request.Request(  # noqa: S310
            self._url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                payload = json.loads(response.read())
            content = payload["choices"][0]["message"]["content"]
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SummariserFailed(f"{self._url}: {exc}") from exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise SummariserFailed(f"{self._url}: unexpected answer ({exc})") from exc
        return _parse_content(str(content), digest)


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
