"""Participant pages stay light: HTML, CSS and JavaScript at most 150 KB gzipped in all."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.integration.conftest import Browserish, create_convening, join
from tests.page_assets import assets_gzipped, template_assets
from tests.servers import LiveServer

pytestmark = pytest.mark.integration
# 150 KB read strictly: decimal kilobytes, not KiB.
BUDGET = 150 * 1000
# In a rendered page, an asset's address and its content fingerprint (web/static_files.py).
ASSET = re.compile(r'(?:src|href)="(/static/[^"?]+\.(?:js|css))(\?v=[0-9a-f]+)"')


def _transferred(client: httpx.Client, path: str) -> int:
    response = client.get(path, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200, path
    return response.num_bytes_downloaded


def _page_weight(client: httpx.Client, path: str) -> tuple[int, list[str]]:
    html = client.get(path, headers={"accept-encoding": "gzip"})
    found = sorted(set(ASSET.findall(html.text)))
    weight = html.num_bytes_downloaded + sum(_transferred(client, a + v) for a, v in found)
    return weight, [a for a, _ in found]


def test_participant_pages_weigh_under_budget(server: LiveServer, host: Browserish) -> None:
    convening = create_convening(host, "Light call")
    ana = join(server, convening.invite_url, "Ana")

    join_weight, join_assets = _page_weight(ana, convening.invite_url.removeprefix(server.url))
    lobby_weight, lobby_assets = _page_weight(ana, f"/c/{convening.public_id}/lobby")
    print(f"join page {join_weight} B, lobby {lobby_weight} B (gzipped, with assets)")

    assert "/static/build/app.js" in lobby_assets
    assert "/static/build/pico.min.css" in join_assets
    assert join_weight <= BUDGET
    assert lobby_weight <= BUDGET


def test_static_assets_are_served_gzipped(server: LiveServer) -> None:
    response = httpx.get(
        f"{server.url}/static/build/pico.min.css", headers={"accept-encoding": "gzip"}
    )

    assert response.headers["content-encoding"] == "gzip"
    assert response.num_bytes_downloaded < len(response.content) / 3


# Every page a participant opens, by template; base.html's assets come with each.
PARTICIPANT_TEMPLATES = (
    "participant/join.html",
    "participant/lobby.html",
    "participant/report.html",
    "notes/page.html",
    "privacy.html",
    "reflection/read.html",  # the published note, which polls for a newer version (#27)
)


def test_participant_pages_js_and_css_fit_the_budget_from_the_built_files() -> None:
    """Reads the built bundles (make setup / npm run build) gzipped at level 9, like the
    server's gzip middleware, so a growing bundle fails here before anyone measures."""
    base = template_assets("base.html")
    weights = {t: sum(assets_gzipped(t).values()) for t in PARTICIPANT_TEMPLATES}
    print(weights)

    assert "build/app.js" in base and "build/htmx.min.js" in base
    assert "build/htmx.min.js" not in template_assets("notes/page.html")
    assert "build/live.js" not in base and "build/notes.js" not in base
    assert {t: w for t, w in weights.items() if w > BUDGET} == {}


def test_fingerprinted_assets_are_kept_a_year_and_change_address_with_their_content(
    server: LiveServer, host: Browserish
) -> None:
    import hashlib
    from pathlib import Path

    convening = create_convening(host, "Cached call")
    ana = join(server, convening.invite_url, "Ana")
    found = dict(ASSET.findall(ana.get(f"/c/{convening.public_id}/lobby").text))
    built = Path(__file__).resolve().parents[2] / "src/crossroads/web/static/build/app.js"

    kept = ana.get("/static/build/app.js" + found["/static/build/app.js"])
    plain = ana.get("/static/build/app.js")

    assert (
        found["/static/build/app.js"] == "?v=" + hashlib.sha256(built.read_bytes()).hexdigest()[:10]
    )
    assert kept.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["cache-control"] == "no-cache"
    assert kept.content == plain.content == built.read_bytes()
