"""Pair calls in real Chromium with fake media (#7): a pair and a trio connect over WebRTC,
audio flows, and audio-only takes the video track off the connection.

No STUN or TURN is configured: on one machine, host candidates connect the browsers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import audit, serious
from tests.browser.test_live_round import browser_for, open_lobby
from tests.integration.conftest import create_convening, join, login
from tests.integration.live_clients import add_round
from tests.servers import LiveServer, running_server

pytestmark = pytest.mark.browser

CONNECTED_PEERS = """() => {
  const call = window.crossroadsCall;
  if (!call) return 0;
  return [...call.peers.values()].filter((p) => p.pc.connectionState === "connected").length;
}"""

PEER_STATES = """() => [...window.crossroadsCall.peers.values()].map((p) => ({
  id: p.id, polite: p.polite, connection: p.pc.connectionState,
  signalling: p.pc.signalingState, ice: p.pc.iceConnectionState,
}))"""

AUDIO_PACKETS = """async () => {
  let total = 0;
  for (const peer of window.crossroadsCall.peers.values()) {
    const stats = await peer.pc.getStats();
    stats.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "audio") total += r.packetsReceived || 0;
    });
  }
  return total;
}"""

VIDEO_SENDING = """() => {
  const call = window.crossroadsCall;
  const senders = [...call.peers.values()].flatMap((p) => p.pc.getSenders());
  return {
    local: call.local.getVideoTracks().length,
    senders: senders.filter((s) => s.track && s.track.kind === "video").length,
    audio: senders.filter((s) => s.track && s.track.kind === "audio").length,
  };
}"""


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(Path(tmp_path_factory.mktemp("calls-browser"))) as server:
        yield server


def start_group_round(
    server: LiveServer,
    new_context: Callable[..., BrowserContext],
    *,
    size: int,
    bypass_csp: bool = False,
) -> list[Page]:
    host = login(server, "host@example.org")
    convening = create_convening(host, "Call test")
    add_round(host, convening.public_id, kind="pairs" if size == 2 else "small_groups", size=size)
    people = [join(server, convening.invite_url, f"Caller {i}") for i in range(size)]
    pages = [
        open_lobby(
            browser_for(c, server, lambda: new_context(bypass_csp=bypass_csp)),
            server,
            convening.public_id,
        )
        for c in people
    ]
    console = browser_for(host, server, new_context)
    console.goto(f"{server.url}/host/convenings/{convening.public_id}/live")
    expect(console.locator("[data-console-people]")).to_have_text(f"{size} of {size} connected")
    console.get_by_role("button", name="Start: ").first.click()
    for page in pages:
        expect(page.locator(".partner-card")).to_have_count(size - 1)
    return pages


def wait_for_peers(page: Page, count: int, within: float = 30) -> None:
    """Poll from Python: the page's CSP (no eval) rules out ``wait_for_function``."""
    deadline = time.monotonic() + within
    connected = -1
    while time.monotonic() < deadline:
        connected = int(page.evaluate(CONNECTED_PEERS))
        if connected == count:
            return
        time.sleep(0.2)
    states = page.evaluate(PEER_STATES), page.evaluate("window.crossroadsCall.trace")
    raise AssertionError(f"{connected} peers connected, expected {count}: {states}")


def wait_for_audio(page: Page, within: float = 20, *, more_than: int = 0) -> int:
    """The audio packets received, as soon as they are more than ``more_than``."""
    deadline = time.monotonic() + within
    packets = 0
    while time.monotonic() < deadline:
        packets = int(page.evaluate(AUDIO_PACKETS))
        if packets > more_than:
            return packets
        time.sleep(0.3)
    return packets


def test_calls_two_paired_participants_connect_hear_each_other_and_go_audio_only(
    calls: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    ana, bilal = start_group_round(calls, new_context, size=2)

    for page in (ana, bilal):
        page.get_by_role("button", name="Join the call").click()
    try:
        for page in (ana, bilal):
            wait_for_peers(page, 1)
    except AssertionError:
        for page in (ana, bilal):
            print(page.evaluate("window.crossroadsCall.trace"))
            print(page.locator("[data-live-status]").inner_text())
        raise

    assert wait_for_audio(ana) > 0
    assert wait_for_audio(bilal) > 0
    assert ana.evaluate(VIDEO_SENDING) == {"local": 1, "senders": 1, "audio": 1}

    ana.get_by_role("button", name="Audio only").click()

    expect(ana.get_by_role("button", name="Video back on")).to_be_visible()
    assert ana.evaluate(VIDEO_SENDING) == {"local": 0, "senders": 0, "audio": 1}
    # Still connected after renegotiating without video, and audio still arrives.
    wait_for_peers(bilal, 1)
    before = wait_for_audio(bilal)
    assert wait_for_audio(bilal, more_than=before) > before

    # Leave and rejoin: the partner's connection to us goes, then comes back.
    ana.get_by_role("button", name="Leave the call").click()
    wait_for_peers(bilal, 0)
    ana.get_by_role("button", name="Join the call").click()
    for page in (ana, bilal):
        wait_for_peers(page, 1)


def test_calls_a_trio_connects_everyone_to_everyone(
    calls: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    pages = start_group_round(calls, new_context, size=3)

    for page in pages:
        page.get_by_role("button", name="Join the call").click()
    for page in pages:
        wait_for_peers(page, 2)

    for page in pages:
        assert wait_for_audio(page) > 0
    expect(pages[0].locator("video[data-call-peer]")).to_have_count(2)


def test_calls_quality_indicator_offers_audio_only_when_the_connection_is_poor(
    calls: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    ana, bilal = start_group_round(calls, new_context, size=2)
    for page in (ana, bilal):
        page.get_by_role("button", name="Join the call").click()
    wait_for_peers(ana, 1)

    # Loopback is never poor: feed the indicator two poor readings as getStats would.
    ana.evaluate("window.crossroadsCall.showQuality('poor')")
    ana.evaluate("window.crossroadsCall.showQuality('poor')")

    expect(ana.locator("[data-call-quality]")).to_have_text("Connection: poor")
    ana.get_by_role("button", name="Switch to audio only").click()
    expect(ana.get_by_role("button", name="Video back on")).to_be_visible()
    assert ana.evaluate(VIDEO_SENDING)["senders"] == 0


def test_calls_chat_in_the_page_shows_user_text_as_text(
    calls: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    ana, bilal = start_group_round(calls, new_context, size=2)

    # The chat is one tap away (#29): open it first.

    ana.locator("[data-call-chat] summary").click()

    ana.get_by_label("Message to your group").fill("<img src=x onerror=alert(1)> hola")
    ana.get_by_role("button", name="Send", exact=True).click()

    line = bilal.locator("[data-chat-log] li")
    expect(line).to_have_text("Caller 0: <img src=x onerror=alert(1)> hola")
    expect(bilal.locator("[data-chat-log] img")).to_have_count(0)


def test_calls_panel_in_a_call_with_chat_has_no_serious_axe_violations(
    calls: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    ana, bilal = start_group_round(calls, new_context, size=2, bypass_csp=True)
    for page in (ana, bilal):
        page.get_by_role("button", name="Join the call").click()
    wait_for_peers(ana, 1)
    # The chat is one tap away (#29): open it first.
    ana.locator("[data-call-chat] summary").click()
    ana.get_by_label("Message to your group").fill("Hello from Ana")
    ana.get_by_role("button", name="Send", exact=True).click()
    expect(ana.locator("[data-chat-log] li")).to_have_count(1)
    ana.evaluate("window.crossroadsCall.showQuality('poor')")
    ana.evaluate("window.crossroadsCall.showQuality('poor')")
    expect(ana.get_by_role("button", name="Switch to audio only")).to_be_visible()

    assert serious(audit(ana)) == []
