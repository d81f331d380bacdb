"""Markdown, HTML, DOCX and PDF: structure, and hostile user text coming out inert."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from crossroads.harvest.fragment import render_html
from crossroads.harvest.markdown import escape, escape_lines, render_markdown
from crossroads.harvest.model import (
    FeedbackSummary,
    Participation,
    PrivacyMode,
    PromptThemes,
    Quote,
    Reflection,
    Theme,
)
from crossroads.harvest.pdf import STATIC_DIR, StaticOnlyFetcher, print_document, render_pdf
from crossroads.harvest.word import QUOTE_STYLE, render_docx
from tests.unit.harvest.payloads import XSS

pytestmark = pytest.mark.unit


def _hostile_reflection() -> Reflection:
    """Every user-text field of a reflection holds one of the payloads."""
    quotes = tuple(Quote(text=p, author_name=p, organisation=p) for p in XSS)
    theme = Theme(label=XSS[0], keyphrases=XSS[:3], contribution_count=3, quotes=quotes[:3])
    return Reflection(
        title=XSS[1],
        privacy_mode=PrivacyMode.NAMED,
        language="en",
        participation=Participation(
            people=3,
            organisations=1,
            rounds=1,
            groups=1,
            minutes=10,
            by_movement=tuple((p, 1) for p in XSS[:4]),
            by_region=((XSS[2], 2),),
        ),
        prompts=tuple(
            PromptThemes(f"p{i}", p, 3, (Theme(p, (p,), 3, (quotes[i],), summary=p), theme))
            for i, p in enumerate(XSS)
        ),
        feedback=FeedbackSummary(responses=1, rating_average=4.0, rating_distribution=((4, 1),)),
    )


_TAG = re.compile(r"<\s*(script|img|svg|iframe|a|style)\b", re.IGNORECASE)


def test_markdown_renders_hostile_text_inert() -> None:
    markdown = render_markdown(_hostile_reflection())

    rendered = MarkdownIt("commonmark", {"html": True}).render(markdown)

    assert _TAG.search(rendered) is None
    assert "javascript:" not in re.findall(r'href="([^"]*)"', rendered)
    assert "<h1>heading injection" not in rendered
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in rendered


def test_markdown_escape_keeps_text_readable() -> None:
    assert escape("1. Rent *control*\nnow") == r"1\. Rent \*control\* now"


def test_markdown_escape_lines_keeps_line_breaks_and_renders_hostile_text_inert() -> None:
    notes = "\n".join(XSS) + "\n\n- Ana: <b>two</b>\r\n  \nlast line\\"
    renderer = MarkdownIt("commonmark", {"html": True})
    renderer.validateLink = lambda url: True  # type: ignore[method-assign]  # a trusting viewer

    rendered = renderer.render(escape_lines(notes))

    assert _TAG.search(rendered) is None
    assert "<h1>" not in rendered and "<li>" not in rendered
    assert rendered.count("<br />") == "\n".join(XSS).count("\n")
    assert rendered.count("<p>") == 3
    assert "[click](javascript:alert(1))" in rendered
    assert "<p>last line\\</p>" in rendered


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@given(st.text())
def test_markdown_escape_drops_control_characters(text: str) -> None:
    """Probed after #26: the notes export (escape_lines) wrote a participant's NUL, BEL and
    ESC into the host's .md file as typed; ESC sequences act on a terminal that shows it."""
    assert not _CONTROL.search(escape(text))
    assert not _CONTROL.search(escape_lines(text))


def test_markdown_escape_keeps_the_text_around_a_control_character() -> None:
    assert escape("water\x00 rights\x1b[2J") == "water rights\\[2J"
    assert escape_lines("a\x07b\nc\x9bd") == "ab\\\ncd"


def test_html_fragment_escapes_hostile_text() -> None:
    fragment = render_html(_hostile_reflection(), charts=True)

    assert _TAG.search(fragment.replace('<img src="data:image/png;base64,', "")) is None
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in fragment
    assert re.findall(r'src="([^":]*):', fragment) == ["data"] * 3


def test_docx_keeps_hostile_text_as_text_with_quote_style() -> None:
    data = render_docx(_hostile_reflection(), charts=False)

    document = Document(io.BytesIO(data))

    quotes = [p.text for p in document.paragraphs if p.style.name == QUOTE_STYLE]
    assert quotes[:4] == [XSS[0], XSS[0], XSS[1], XSS[2]]
    assert document.paragraphs[0].text == XSS[1]
    assert document.paragraphs[0].style.name == "Title"
    assert not document.inline_shapes


def test_docx_of_the_corpus_has_headings_quotes_and_charts(named_reflection: Reflection) -> None:
    document = Document(io.BytesIO(render_docx(named_reflection)))

    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "Participation",
        "Key takeaways",
        "Themes by prompt",
        "What participants said about the call",
        "Intersections",
        "How this note was made",  # the footer: which engine found the themes
    ]
    assert sum(p.style.name == QUOTE_STYLE for p in document.paragraphs) >= 9
    assert len(document.inline_shapes) == 3


def test_translate_is_applied_to_headings(named_reflection: Reflection) -> None:
    spanish = {"Participation": "Participación", "People: {count}": "Personas: {count}"}

    markdown = render_markdown(named_reflection, translate=lambda s: spanish.get(s, s))

    assert "## Participación" in markdown
    assert "- Personas: 60" in markdown


def test_pdf_fetcher_allows_only_data_uris_and_static_files(tmp_path) -> None:
    fetcher = StaticOnlyFetcher()
    outside = tmp_path / "secret.css"
    outside.write_text("body{}")

    assert fetcher.allows("data:text/plain,hi") is True
    assert fetcher.allows((STATIC_DIR / "crossroads.css").as_uri()) is True
    assert fetcher.allows("file:///etc/passwd") is False
    assert fetcher.allows(outside.as_uri()) is False
    assert fetcher.allows((STATIC_DIR / ".." / ".." / "cli.py").as_uri()) is False
    assert fetcher.allows("http://127.0.0.1:9/x.png") is False
    assert fetcher.allows("https://example.org/x.png") is False


def test_pdf_never_fetches_urls_from_user_text() -> None:
    fetcher = StaticOnlyFetcher()

    pdf = render_pdf(_hostile_reflection(), fetcher=fetcher)

    assert pdf.startswith(b"%PDF-")
    assert fetcher.refused == []
    assert {url.split(":", 1)[0] for url in fetcher.requested} <= {"data"}


def test_pdf_fetcher_refuses_what_a_document_asks_for() -> None:
    from weasyprint import HTML

    fetcher = StaticOnlyFetcher()
    html = (
        '<img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd">'
        f'<link rel="stylesheet" href="{(STATIC_DIR / "crossroads.css").as_uri()}">'
    )

    HTML(string=html, url_fetcher=fetcher).write_pdf()

    assert sorted(fetcher.refused) == ["file:///etc/passwd", "http://127.0.0.1:9/x.png"]
    assert fetcher.requested[-1:] != [] and len(fetcher.requested) == 3


def test_print_document_escapes_title_and_language() -> None:
    document = print_document(_hostile_reflection(), charts=False)

    assert "<title>&lt;img src=&quot;http://127.0.0.1:9/tracker.png&quot;" in document
