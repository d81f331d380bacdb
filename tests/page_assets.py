"""The JS and CSS a participant page loads, read from its template and base.html, and
their gzipped weight: shared by tests/integration/test_page_weight.py and
bench/slow_network.py so the budget and the report count the same files."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "src" / "crossroads" / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
# An asset in a template's source: {{ static_url('build/app.js') }}.
ASSET = re.compile(r"static_url\('([^']+\.(?:js|css))'\)")
# base.html's blocks are not nested, nor are the pages' own.
BLOCK = re.compile(r"{% block (\w+) %}(.*?){% endblock %}", re.S)


def template_assets(template: str) -> set[str]:
    """What base.html renders for this page: each of its blocks, or the page's own
    version of that block where the page defines one."""
    base = (TEMPLATES / "base.html").read_text()
    if template == "base.html":
        return set(ASSET.findall(base))
    overrides = dict(BLOCK.findall((TEMPLATES / template).read_text()))
    rendered = BLOCK.sub(lambda block: overrides.get(block[1], block[2]), base)
    return set(ASSET.findall(rendered))


def assets_gzipped(template: str) -> dict[str, int]:
    """Gzipped size (level 9, like the server's gzip middleware) of each asset it loads."""
    return {
        name: len(gzip.compress((STATIC / name).read_bytes(), compresslevel=9))
        for name in template_assets(template)
    }
