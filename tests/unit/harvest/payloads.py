"""Hostile text for the renderers: markup, scripts and URLs that must come out inert."""

from __future__ import annotations

XSS = (
    "<script>alert('x')</script>",
    '<img src="http://127.0.0.1:9/tracker.png" onerror="alert(1)">',
    '<img src="file:///etc/passwd">',
    "<svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "<a href='javascript:alert(1)'>hi</a>",
    '"><iframe src=//127.0.0.1:9/>',
    "<style>@import url(http://127.0.0.1:9/x.css)</style>",
    "# heading injection\n- list injection",
    "&lt;script&gt;",
)
