"""``POST {base_url}/v1/chat/completions``: the transport the harvest's LLM summariser is given.

Off by default; the host turns it on and points it at a server they trust. ``api_key`` comes
from the environment of whoever builds this object, never from a command-line flag.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence

from crossroads.harvest.errors import SummariserFailed
from crossroads.harvest.summaries import ChatSummariser


class OpenAiChat:
    """One chat completion per call: messages in, the answer's text out (``ChatCompletion``)."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        use_env_proxy: bool = True,
    ) -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise SummariserFailed(f"the LLM endpoint must be http or https, not {base_url!r}")
        self.url = base_url.rstrip("/") + "/v1/chat/completions"
        self._model = model
        self._api_key = api_key
        self._timeout = timeout
        handlers = [] if use_env_proxy else [urllib.request.ProxyHandler({})]
        self._opener = urllib.request.build_opener(*handlers)

    def __call__(self, messages: Sequence[Mapping[str, str]]) -> str:
        body = {"model": self._model, "temperature": 0, "messages": [dict(m) for m in messages]}
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        # The scheme was checked in __init__: only http and https reach here.
        request = urllib.request.Request(  # noqa: S310
            self.url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                payload = json.loads(response.read())
            return str(payload["choices"][0]["message"]["content"])
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SummariserFailed(f"{self.url}: {exc}") from exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise SummariserFailed(f"{self.url}: unexpected answer ({exc})") from exc


def llm_summariser(
    base_url: str,
    *,
    model: str,
    api_key: str | None = None,
    timeout: float = 30.0,
    max_texts: int = 20,
    use_env_proxy: bool = True,
) -> ChatSummariser:
    """The harvest's LLM summariser talking to ``base_url``."""
    chat = OpenAiChat(
        base_url, model=model, api_key=api_key, timeout=timeout, use_env_proxy=use_env_proxy
    )
    return ChatSummariser(chat, max_texts=max_texts)
