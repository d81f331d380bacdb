"""Invite link to an interactive lobby on a slow 3G connection (Chromium, CDP throttling).

Usage: .venv/bin/python bench/slow_network.py [--runs 5] [--devtools]

Starts `crossroads serve` on loopback with a planned convening. Each run opens the invite
link in a fresh browser context (empty cache, like a first visit from a messaging app),
fills the join form as fast as a script can, and stops the clock when the lobby is
*interactive*: the page has loaded and its live socket is connected (the lobby's
``data-online="yes"``), so a round started now would reach this person.

Throttling is ``Network.emulateNetworkConditions`` on a CDP session with WebPageTest's
"3G Slow" profile: 400 kbit/s down and up, 400 ms round trip. Prints the median of the
runs, the unthrottled baseline measured in the same run and their ratio, the bytes on the
wire, and the gzipped JS+CSS of the participant pages from the built files. A measurement,
not a pass/fail test (the budget check is tests/integration/test_page_weight.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Request, sync_playwright  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.integration.conftest import create_convening, login  # noqa: E402
from tests.page_assets import assets_gzipped  # noqa: E402
from tests.servers import make_server  # noqa: E402

# The target's profile, WebPageTest's "3G Slow": 400 kbit/s each way, 400 ms round trip;
# and Chrome DevTools' harsher "Slow 3G" preset (2 s round trip), shown with --devtools.
SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms of added round trip
    "downloadThroughput": 400_000 / 8,  # bytes per second
    "uploadThroughput": 400_000 / 8,
}
DEVTOOLS_SLOW_3G = {**SLOW_3G, "latency": 2000}


def one_run(
    browser: Browser, invite_url: str, name: str, throttle: dict[str, object] | None
) -> tuple[float, int]:
    context = browser.new_context()
    page = context.new_page()
    transferred = 0

    def count(request: Request) -> None:
        nonlocal transferred
        sizes = request.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    page.on("requestfinished", count)
    if throttle:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", throttle)
    started = time.perf_counter()
    page.goto(invite_url, wait_until="domcontentloaded")
    page.fill("#display_name", name)
    page.check("input[name=coc_accepted]")
    page.get_by_role("button", name="Join").click()
    page.wait_for_selector("[data-live-participant][data-online=yes]", timeout=60_000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed, transferred


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per profile (median shown)")
    parser.add_argument(
        "--devtools", action="store_true", help="also run DevTools' Slow 3G (2 s round trip)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = make_server(
            Path(tmp), rate_limit_join="1000/minute", rate_limit_login="1000/minute"
        )
        server.cli("migrate")
        server.create_host("bench@example.org", "Bench")
        server.start()
        try:
            invite_url = create_convening(login(server, "bench@example.org"), "Bench").invite_url
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                one_run(browser, invite_url, "Warm-up", None)  # first-launch costs
                fast = [one_run(browser, invite_url, f"Fast {i}", None) for i in range(args.runs)]
                slow = [
                    one_run(browser, invite_url, f"Slow {i}", SLOW_3G) for i in range(args.runs)
                ]
                harsh = [
                    one_run(browser, invite_url, f"Harsh {i}", DEVTOOLS_SLOW_3G)
                    for i in range(args.runs if args.devtools else 0)
                ]
                browser.close()
        finally:
            server.stop()
    fast_s = statistics.median(t for t, _ in fast)
    slow_s = statistics.median(t for t, _ in slow)
    print(f"invite link -> interactive lobby (live socket connected), median of {args.runs} runs")
    print(
        f"  unthrottled (baseline): {fast_s:6.2f} s   {statistics.median(b for _, b in fast):>8} B"
    )
    print(
        f"  slow 3G 400 kbit/s, 400 ms RTT: {slow_s:6.2f} s   "
        f"{statistics.median(b for _, b in slow):>8} B on the wire   ratio {slow_s / fast_s:.1f}x"
    )
    print(f"  all slow runs: {', '.join(f'{t:.2f}' for t, _ in slow)} s")
    if harsh:
        harsh_s = statistics.median(t for t, _ in harsh)
        print(f"  DevTools Slow 3G, 2 s RTT: {harsh_s:6.2f} s   ratio {harsh_s / fast_s:.1f}x")
    for template in ("participant/join.html", "participant/lobby.html", "notes/page.html"):
        total = sum(assets_gzipped(template).values())
        print(f"  {template}: JS+CSS gzipped {total} B ({total / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
