"""Invite link to interactive lobby, on Chromium's "Slow 3G" profile and unthrottled.

Usage: .venv/bin/python bench/page_load.py [--runs 3]

Starts `crossroads serve` on loopback, creates a convening, then for each run opens the
invite link in a fresh browser context, fills the join form as fast as a script can, and
waits for the lobby to be interactive. Prints medians, page weight, and the ratio of the
throttled time to the unthrottled baseline measured in the same run. Not a pass/fail test.
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

from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.integration.conftest import create_convening, login  # noqa: E402
from tests.servers import make_server  # noqa: E402

# Chrome DevTools' "Slow 3G" preset: 400 kbit/s each way, 2 s of added round-trip latency;
# WebPageTest's "3G Slow": 400 kbit/s each way, 400 ms round trip.
PROFILES = {
    "DevTools Slow 3G": {
        "offline": False,
        "latency": 2000,
        "downloadThroughput": 50_000,
        "uploadThroughput": 50_000,
    },
    "WebPageTest 3G Slow": {
        "offline": False,
        "latency": 400,
        "downloadThroughput": 50_000,
        "uploadThroughput": 50_000,
    },
}


def one_run(
    browser: Browser, invite_url: str, throttle: dict[str, object] | None, name: str
) -> tuple[float, int]:
    context = browser.new_context()
    page = context.new_page()
    transferred = 0

    def count(response) -> None:  # type: ignore[no-untyped-def]
        nonlocal transferred
        sizes = response.request.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    page.on("requestfinished", lambda request: count(request.response()))
    if throttle:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", throttle)
    started = time.perf_counter()
    page.goto(invite_url, wait_until="domcontentloaded")
    page.fill("#display_name", name)
    page.check("input[name=coc_accepted]")
    page.get_by_role("button", name="Join").click()
    page.wait_for_selector("#people", state="visible")
    page.wait_for_load_state("load")
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed, transferred


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
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
                fast = [one_run(browser, invite_url, None, f"Fast {i}") for i in range(args.runs)]
                throttled = {
                    label: [
                        one_run(browser, invite_url, profile, f"{label} {i}")
                        for i in range(args.runs)
                    ]
                    for label, profile in PROFILES.items()
                }
                browser.close()
        finally:
            server.stop()
    fast_median = statistics.median(t for t, _ in fast)
    print(f"invite link -> interactive lobby (join form, then lobby), median of {args.runs} runs")
    print(f"{'profile':<26}{'median s':>10}{'bytes on the wire':>20}{'ratio':>8}")
    rows = [("unthrottled (baseline)", fast), *throttled.items()]
    for label, runs in rows:
        median = statistics.median(t for t, _ in runs)
        weight = statistics.median(b for _, b in runs)
        print(f"{label:<26}{median:>10.2f}{weight:>20}{median / fast_median:>8.1f}")


if __name__ == "__main__":
    main()
