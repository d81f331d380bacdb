"""axe-core (from npm, frontend/node_modules) run inside a page by Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def audit(page: Page) -> list[dict[str, Any]]:
    """Violations on the page as axe reports them (the context needs bypass_csp=True)."""
    # A page still navigating (a form's redirect) has no document to add the script to yet.
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return list(result["violations"])


def serious(violations: list[dict[str, Any]]) -> list[str]:
    """One line per serious or critical violation: rule id, impact and the first node."""
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['help']}"
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]
