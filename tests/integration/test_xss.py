"""XSS and formula injection (#12): attack payloads in every piece of user text stay inert.

One convening where each person's every text (name, organisation, about line, region,
movements, chat, notes, feedback, report) is one payload, and the title, description, code
of conduct, prompts, a feedback question, a reflection section, a broadcast and a roster
carry them too. Then every page is parsed (stdlib ``html.parser``) for elements, event
handlers or ``javascript:`` URLs that came from user text, and every export is read the way
its reader would: Markdown rendered by a permissive CommonMark renderer (raw HTML on, any
link allowed), DOCX's XML, the PDF's objects and text, CSV cells as a spreadsheet sees them
(OWASP "CSV injection": no cell may start with = + - @ TAB CR). BigBlueButton had XSS
through user names (CVE-2022-31064).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from icalendar import Calendar
from markdown_it import MarkdownIt

from tests.integration.conftest import Browserish, client_for, serve
from tests.integration.route_table import app_routes
from tests.integration.worlds import World, build_world
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

SCRIPT = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"
ICS = "ics line\r\nBEGIN:VEVENT\r\nSUMMARY:injected"
PAYLOADS = (
    SCRIPT,
    ICS,  # early: the title is the short payloads joined, cut at 200 characters
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    "'-alert(1)-'",
    "{{7*7777777}} ${7*7777777} #{7*7777777} {%print(7*7777777)%}",
    "</textarea><script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "\u202eRTL\u200b\u200dzero<b>width</b>\u2066",
    FORMULA,
    "+1+1",
    "-2+3",
    "@SUM(1)",
    '" onmouseover="alert(1)" x="',
    "</script><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
    "Long " + "x" * 3000 + "<script>alert(1)</script>",
)
TEMPLATE_RESULT = str(7 * 7777777)  # a template engine evaluated user text
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster"})


@pytest.fixture(scope="module")
def xss_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(backend, Path(tmp_path_factory.mktemp("xss")), wrap_up_seconds="1") as server:
        yield server


@pytest.fixture(scope="module")
def world(xss_server: LiveServer) -> World:
    return build_world(xss_server, "host@example.org", list(PAYLOADS))


# --- reading HTML the way a browser would ------------------------------------------------


@dataclass
class Scan(HTMLParser):
    """Elements and attributes that would run code; and all text, to see payloads arrived."""

    problems: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _script: dict[str, str | None] | None = None

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value is not None:
                url = re.sub(r"[\x00-\x20]", "", value).lower()
                if url.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if value:
                self.text.append(value)
        if tag in ("iframe", "object", "embed", "base", "frame", "frameset"):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and (found.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "script":
            src = found.get("src")
            if src is not None and not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")
            if src is None and found.get("type") != "application/json":
                self.problems.append("inline <script>")
            self._script = found

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._script = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None and self._script.get("type") == "application/json":
            try:
                json.loads(data)
            except ValueError:
                self.problems.append(f"JSON data block broken open: {data[:80]!r}")
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "\n".join(self.text)


def scan(html: str) -> Scan:
    parser = Scan()
    parser.feed(html)
    parser.close()
    return parser


# --- every page --------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    who: str  # "host", "participant" (the person whose texts are the script payload), "anyone"
    route: str  # as in the app's route table
    shows_user_text: bool = True
    next_convening: bool = False  # the series' next call, made from this one

    def path(self, world: World) -> str:
        return self.route.format(
            public_id=world.next_public_id if self.next_convening else world.public_id,
            series_id=world.series_id,
            token=world.invite_token,
            venue_id=world.venue_id,
        )


PAGES: dict[str, Page] = {
    "host dashboard": Page("host", "/host"),
    "new convening form": Page("host", "/host/convenings/new", shows_user_text=False),
    "host convening": Page("host", "/host/convenings/{public_id}"),
    "host edit": Page("host", "/host/convenings/{public_id}/edit"),
    "host live console": Page("host", "/host/convenings/{public_id}/live"),
    "host zoom": Page("host", "/host/convenings/{public_id}/zoom"),
    "host feedback": Page("host", "/host/convenings/{public_id}/feedback"),
    "host intersections": Page("host", "/host/convenings/{public_id}/intersections"),
    "host reports": Page("host", "/host/convenings/{public_id}/reports"),
    "host reports fragment": Page("host", "/host/convenings/{public_id}/reports/list"),
    "host notes": Page("host", "/host/convenings/{public_id}/notes"),
    "host reflection": Page("host", "/host/convenings/{public_id}/reflection"),
    "host reflection preview": Page("host", "/host/convenings/{public_id}/reflection/preview"),
    "host series": Page("host", "/host/series/{series_id}"),
    "host invitations": Page("host", "/host/convenings/{public_id}/invitations"),
    "host next convening": Page("host", "/host/convenings/{public_id}", next_convening=True),
    "host venues": Page("host", "/host/convenings/{public_id}/venues"),
    "host table cards": Page("host", "/host/convenings/{public_id}/venues/{venue_id}/cards"),
    "venue projector": Page("host", "/v/{venue_id}/projector"),
    "join page": Page("anyone", "/join/{token}"),
    "lobby": Page("participant", "/c/{public_id}/lobby"),
    "lobby people": Page("participant", "/c/{public_id}/people"),
    "report form": Page("participant", "/c/{public_id}/report"),
    "feedback form": Page("participant", "/c/{public_id}/feedback"),
    "my data": Page("participant", "/c/{public_id}/my-data"),
    "connections": Page("participant", "/c/{public_id}/connections"),
    "participant notes": Page("participant", "/c/{public_id}/notes"),
    "notes reading view": Page("participant", "/c/{public_id}/notes/read"),
    "reflection note": Page("participant", "/c/{public_id}/reflection"),
    "privacy": Page("anyone", "/privacy", shows_user_text=False),
    "login": Page("anyone", "/login", shows_user_text=False),
    "home": Page("anyone", "/", shows_user_text=False),
    "setup (closed)": Page("anyone", "/setup", shows_user_text=False),
}
# The GET routes that are downloads, each read by its own test below.
EXPORTS = {
    "/host/convenings/{public_id}/notes.md": "test_xss_markdown_export_escapes_html_and_links",
    "/host/convenings/{public_id}/reflection.{extension}": "the markdown, docx and pdf tests",
    "/host/convenings/{public_id}/zoom.csv": "test_xss_csv_export_neutralises_formula_cells",
    "/host/convenings/{public_id}/personal-links.csv": "the same",
    "/host/convenings/{public_id}/calendar.ics": "test_xss_calendar_file_keeps_one_event_...",
    "/c/{public_id}/calendar.ics": "the same",
    "/c/{public_id}/my-data.json": "test_xss_my_data_download_is_json_not_html",
    # JSON for the round screen's notes editor: a token and one's own name, read by script.
    "/c/{public_id}/notes/ticket": "application/json, never rendered as HTML",
    "/host/convenings/{public_id}/reflection.json": "test_xss_reflection_json_is_json_not_html",
    "/host/convenings/{public_id}/invitations.csv": "test_xss_csv_export_neutralises_formula_cells",
    # Its link is signed with the server's secret and only reaches people by mail.
    "/mail/unsubscribe/{token}": "test_mail_pages.py: a hostile title on the unsubscribe page",
    "/healthz": "no user text: status and version",
    "/internal/status": "no user text: what a node holds, for nodes with the secret",
    "/openapi.json": "no user text: the API schema",
    "/host/convenings/{public_id}/venues/{venue_id}/qr.svg": "no user text: the join link's QR",
}


def test_xss_pages_and_exports_cover_every_get_route() -> None:
    gets = {path for method, path in app_routes() if method == "GET"}

    assert gets == {p.route for p in PAGES.values()} | set(EXPORTS)


def client_of(world: World, who: str, server: LiveServer) -> Browserish:
    if who == "host":
        return world.host
    if who == "participant":
        return world.people[0].client
    return client_for(server)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_xss_page_shows_payloads_only_as_text(
    xss_server: LiveServer, world: World, name: str
) -> None:
    page = PAGES[name]
    client = client_of(world, page.who, xss_server)

    response = client.get(page.path(world))

    assert response.status_code == 200, response.text
    found = scan(response.text)
    assert found.problems == []
    assert TEMPLATE_RESULT not in response.text
    if page.shows_user_text:
        assert SCRIPT in found.all_text


# --- exports -----------------------------------------------------------------------------


def permissive_markdown(text: str) -> str:
    """HTML from a Markdown viewer at its most trusting: raw HTML on, every link followed."""
    renderer = MarkdownIt("commonmark", {"html": True})
    renderer.validateLink = lambda url: True  # type: ignore[method-assign]  # trust all links
    return renderer.render(text)


@pytest.mark.parametrize("export", ["notes.md", "reflection.md"])
def test_xss_markdown_export_escapes_html_and_links(world: World, export: str) -> None:
    response = world.host.get(f"{world.base}/{export}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    rendered = scan(permissive_markdown(response.text))
    assert rendered.problems == []
    assert not re.search(r"<a href=\"javascript", permissive_markdown(response.text), re.I)
    assert SCRIPT in rendered.all_text
    assert "[x](javascript:alert(1))" in rendered.all_text


def test_xss_docx_export_holds_payloads_as_plain_text(world: World) -> None:
    response = world.host.get(f"{world.base}/reflection.docx")

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        parts = {n: docx.read(n) for n in docx.namelist() if n.endswith((".xml", ".rels"))}
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    texts: list[str] = []
    for name, data in parts.items():
        root = ElementTree.fromstring(data)  # well-formed: no payload broke the XML open
        texts += [t.text or "" for t in root.iter(f"{w}t")]
        # Fields (DDE, HYPERLINK, INCLUDE...) run commands in Word: none may carry user text.
        fields = [e.text or "" for e in root.iter(f"{w}instrText")]
        fields += [e.get(f"{w}instr") or "" for e in root.iter(f"{w}fldSimple")]
        assert not any("alert" in f or "cmd" in f for f in fields), (name, fields)
        targets = [e.get("Target") or "" for e in root.iter() if e.get("Target")]
        assert not any(t.strip().lower().startswith("javascript:") for t in targets), targets
    joined = "".join(texts)
    assert SCRIPT in joined
    assert FORMULA in joined


def test_xss_pdf_export_has_no_actions_and_shows_payloads_as_text(
    world: World, tmp_path: Path
) -> None:
    response = world.host.get(f"{world.base}/reflection.pdf")

    assert response.status_code == 200
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    for action in (b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"/SubmitForm", b"/EmbeddedFile"):
        assert action not in pdf, action
    uris = re.findall(rb"/URI\s*\(([^)]*)\)", pdf)
    assert all(u.startswith((b"http://", b"https://", b"mailto:")) for u in uris), uris
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; the HTML is checked above")
    source = tmp_path / "note.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(
        [pdftotext, str(source), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "<script>alert(1)</script>" in text.replace("\n", "")


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("export", "has_names"),
    [
        # Zoom's pre-assignment holds rooms and emails only; people without email are listed
        # on the zoom page instead (scanned above).
        ("zoom.csv", False),
        ("personal-links.csv", True),
        ("invitations.csv", True),
        ("next personal-links.csv", True),
        ("roster upload", True),
    ],
)
def test_xss_csv_export_neutralises_formula_cells(
    world: World, export: str, has_names: bool
) -> None:
    if export == "roster upload":
        roster = f'name,email\r\n"{FORMULA}",late@example.org\r\n@SUM(1),late2@example.org\r\n'
        response = world.host.post(
            f"{world.base}/roster",
            data={"csrf_token": world.host.csrf(world.base)},
            files={"roster": ("roster.csv", roster.encode(), "text/csv")},
        )
    elif export.startswith("next "):
        response = world.host.get(f"/host/convenings/{world.next_public_id}/personal-links.csv")
    else:
        response = world.host.get(f"{world.base}/{export}")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    _header, *rows = csv_cells(response.text)
    cells = [cell for row in rows for cell in row]
    assert [c for c in cells if c.startswith(FORMULA_STARTS)] == []
    if has_names:
        assert "'" + FORMULA in cells
        assert "'@SUM(1)" in cells


def test_xss_calendar_file_keeps_one_event_whatever_the_title(
    xss_server: LiveServer, world: World
) -> None:
    for path in (f"{world.base}/calendar.ics", f"/c/{world.public_id}/calendar.ics"):
        client = world.host if path.startswith("/host") else world.people[0].client
        response = client.get(path)

        assert response.status_code == 200
        calendar = Calendar.from_ical(response.content)
        events = [c for c in calendar.walk() if c.name == "VEVENT"]
        assert len(events) == 1
        assert "SUMMARY:injected" in str(events[0]["SUMMARY"])


def test_xss_my_data_download_is_json_not_html(world: World) -> None:
    response = world.people[0].client.get(f"/c/{world.public_id}/my-data.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in response.headers["content-disposition"]
    assert SCRIPT in json.dumps(response.json(), ensure_ascii=False)


def test_xss_reflection_json_is_json_not_html(world: World) -> None:
    response = world.host.get(f"{world.base}/reflection.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in response.headers["content-disposition"]
    assert response.json()["prompts"]  # parsed as data, whatever the notes held


OFF_SITE = ("//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example")


@pytest.mark.parametrize("target", [*OFF_SITE, "javascript:alert(1)"])
def test_xss_redirect_targets_from_user_input_stay_on_this_site(
    xss_server: LiveServer, target: str
) -> None:
    from tests.servers import HOST_PASSWORD

    anyone = client_for(xss_server)
    language = anyone.post(
        "/language",
        data={"language": "es", "next": target, "csrf_token": anyone.csrf("/login")},
        follow_redirects=False,
    )
    page = anyone.get("/login", params={"next": target}).text
    logged_in = anyone.post(
        "/login",
        data={
            "email": "host@example.org",
            "password": HOST_PASSWORD,
            "next": target,
            "csrf_token": anyone.csrf("/login"),
        },
        follow_redirects=False,
    )

    assert language.headers["location"] == "/"
    assert f'value="{target}"' not in page
    assert logged_in.headers["location"] == "/host"


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>", "//evil"]
)
def test_xss_plenary_link_must_be_a_web_link(world: World, link: str) -> None:
    edit = f"{world.base}/edit"
    form = {
        "title": "Edited",
        "starts_at": "2030-05-04T14:00",
        "timezone": "Europe/Paris",
        "duration_minutes": "90",
        "languages": ["en"],
        "privacy_mode": "named",
        "plenary_url": link,
    }

    response = world.host.submit(world.base, form, form_page=edit)

    assert response.status_code == 422
    assert "Give a web link that starts with https://" in response.text
    assert "Edited" not in world.host.get(world.base).text
