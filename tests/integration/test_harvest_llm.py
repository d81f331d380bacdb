"""The LLM summariser (harvest wording the question, crossroads.llm doing the HTTP) against a
real OpenAI-compatible fake server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crossroads.harvest import Contribution, HarvestInput, PromptNotes, RosterEntry, harvest
from crossroads.harvest.errors import SummariserFailed
from crossroads.harvest.model import PrivacyMode
from crossroads.harvest.summaries import ThemeDigest
from crossroads.llm import llm_summariser

pytestmark = pytest.mark.integration


class _FakeLLM(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.headers_seen: list[dict[str, str]] = []
        self.answer: str = json.dumps({"label": "Housing and heat", "summary": "Rents and heat."})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _FakeLLM

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, **body})
        self.server.headers_seen.append(dict(self.headers))
        reply = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": self.server.answer}}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:  # stdlib name
        return


@pytest.fixture
def fake_llm() -> Iterator[_FakeLLM]:
    server = _FakeLLM()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_llm_summariser_posts_chat_completions_and_reads_json(fake_llm: _FakeLLM) -> None:
    summariser = llm_summariser(fake_llm.url, model="local", api_key="k", use_env_proxy=False)

    summary = summariser.summarise(ThemeDigest("q?", ("rent",), ("Rents doubled.",), "es"))

    assert (summary.label, summary.summary) == ("Housing and heat", "Rents and heat.")
    request = fake_llm.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["model"] == "local"
    assert json.loads(request["messages"][1]["content"]) == {
        "language": "es",
        "prompt": "q?",
        "keyphrases": ["rent"],
        "contributions": ["Rents doubled."],
    }
    assert fake_llm.headers_seen[0]["Authorization"] == "Bearer k"


def test_llm_summariser_sees_only_consented_scrubbed_text(fake_llm: _FakeLLM) -> None:
    people = (
        RosterEntry("a", "Ana Pérez", "Vecinas Unidas", consent_quote=True),
        RosterEntry("b", "Bilal Haddad", "Dockers Union", consent_quote=False),
        RosterEntry("c", "Chen Wei", consent_quote=True),
        RosterEntry("d", "Dara Okoye", consent_quote=False),
    )
    # A theme needs contributions from two people: each theme has two writers.
    contributions = [
        Contribution("p", f"Ana Pérez of Vecinas Unidas says rent {w} hurts.", "ac"[i % 2])
        for i, w in enumerate(("hikes", "rises", "strikes"))
    ] + [
        Contribution("p", f"SECRET-{i} unconsented union wages {w}.", "bd"[i % 2])
        for i, w in enumerate(("low", "flat", "cut"))
    ]
    data = HarvestInput(
        title="t",
        privacy_mode=PrivacyMode.CHATHAM_HOUSE,
        prompts=(PromptNotes("p", "What hurts?", tuple(contributions)),),
        roster=people,
    )
    summariser = llm_summariser(fake_llm.url, model="local", use_env_proxy=False)

    reflection = harvest(data, summariser=summariser)

    sent = json.dumps(fake_llm.requests, ensure_ascii=False)
    assert fake_llm.requests
    assert "SECRET" not in sent
    assert "Ana" not in sent
    assert "Vecinas" not in sent
    assert "Authorization" not in fake_llm.headers_seen[0]
    assert {t.label for t in reflection.prompts[0].themes} == {"Housing and heat"}


def test_llm_summariser_falls_back_to_plain_text_answers(fake_llm: _FakeLLM) -> None:
    fake_llm.answer = "Rent and eviction\nMore words."
    summariser = llm_summariser(fake_llm.url, model="local", use_env_proxy=False)

    summary = summariser.summarise(ThemeDigest("q?", ("rent",), ("x",)))

    assert (summary.label, summary.summary) == ("Rent and eviction", None)


def test_llm_summariser_reports_an_unreachable_server(fake_llm: _FakeLLM) -> None:
    url = fake_llm.url
    fake_llm.shutdown()
    fake_llm.server_close()
    summariser = llm_summariser(url, model="local", timeout=2, use_env_proxy=False)

    with pytest.raises(SummariserFailed, match=r"summariser failed: http://127\.0\.0\.1:"):
        summariser.summarise(ThemeDigest("q?", (), ()))


def test_llm_summariser_refuses_other_schemes() -> None:
    with pytest.raises(SummariserFailed, match="must be http or https"):
        llm_summariser("file:///etc", model="m")
