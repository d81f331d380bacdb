"""The reflection note as PDF: the HTML fragment in a print page, laid out by WeasyPrint.

WeasyPrint would fetch any URL the HTML names. ``StaticOnlyFetcher`` allows only ``data:`` URIs
and files inside the package's static folder; everything else (http, https, other files such as
``file:///etc/passwd``) is refused and recorded, so nothing in a note can make the server reach
out or read local files. User text is escaped by ``fragment.render_html`` in any case.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from crossroads.harvest.fragment import html_from_blocks
from crossroads.harvest.model import Reflection
from crossroads.harvest.outline import Block, Translate, no_translation, outline

# The web package's static folder, found by path only: harvest imports nothing from web.
STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"

_PRINT_CSS = """
@page { size: A4; margin: 2cm 2cm 2.2cm; @bottom-center { content: counter(page); } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.45; color: #222; }
h1 { font-size: 20pt; color: #1d4d63; margin-bottom: .4em; }
h2 { font-size: 14pt; color: #1d4d63; border-bottom: 1px solid #c9d9e0; margin-top: 1.4em; }
h3 { font-size: 12pt; margin-top: 1.1em; }
h4 { font-size: 10.5pt; margin: .9em 0 .2em; }
blockquote.quote { margin: .4em 0 .6em 1em; padding-left: .8em; border-left: 3px solid #2f6f8f;
  font-style: italic; }
blockquote.quote footer { font-style: normal; font-size: 9pt; color: #555; }
figure.chart { margin: .8em 0; page-break-inside: avoid; }
figure.chart img { width: 15cm; }
figcaption { font-size: 9pt; color: #555; }
"""


class RefusedURL(ValueError):
    """A URL the PDF renderer does not fetch; WeasyPrint logs it and leaves the resource out."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint fetcher for ``data:`` URIs and files under ``static_dir``, nothing else.

    ``requested`` and ``refused`` record every URL asked for, for tests and logs.
    """

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        super().__init__(timeout=5, allowed_protocols=("data", "file"), allow_redirects=False)
        self._static_dir = static_dir.resolve()
        self.requested: list[str] = []
        self.refused: list[str] = []

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return True
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return False
        path = Path(unquote(parts.path)).resolve()
        return path.is_relative_to(self._static_dir) and path.is_file()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        if not self.allows(url):
            self.refused.append(url)
            raise RefusedURL(f"not fetched: {url[:200]}")
        return super().fetch(url, headers)


def print_document(
    reflection: Reflection, *, translate: Translate = no_translation, charts: bool = True
) -> str:
    return print_document_from_blocks(
        outline(reflection, translate),
        title=reflection.title,
        language=reflection.language,
        charts=charts,
    )


def print_document_from_blocks(
    blocks: Iterable[Block], *, title: str, language: str, charts: bool = True
) -> str:
    body = html_from_blocks(blocks, charts=charts)
    return (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_PRINT_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )


def render_pdf(
    reflection: Reflection,
    *,
    translate: Translate = no_translation,
    charts: bool = True,
    fetcher: StaticOnlyFetcher | None = None,
) -> bytes:
    document = print_document(reflection, translate=translate, charts=charts)
    return pdf_from_document(document, fetcher=fetcher)


def pdf_from_document(document: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    fetcher = fetcher or StaticOnlyFetcher()
    pdf = HTML(string=document, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    return bytes(pdf or b"")
