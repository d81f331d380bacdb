"""The reflection note pages (#8): draft, edit a section, regenerate another, publish, read, export.

A real server, real notes typed over the notes socket, real SQLite; nothing mocked.
"""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from docx import Document

from tests.integration.conftest import Browserish, create_convening, join, login
from tests.integration.live_clients import add_round
from tests.integration.notes_client import NotesClient, notes_token
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

SECTION = re.compile(r'data-section="([^"]+)"')
QUOTE = re.compile(r'<blockquote class="quote"><p>(.*?)</p>(?:<footer>— (.*?)</footer>)?')
HTMX = {"HX-Request": "true"}

ANA_LINES = (
    "Floods hit our barrio first and the clinic closed for a week.",
    "The river floods every spring now and the insurers left.",
    "Rents doubled in two years and landlords evict families for tourists.",
    "Seed banks keep our farmers independent of the big companies.",
)
BILAL_LINES = (
    "My secret plan is to occupy the town hall next Tuesday.",
    "Evictions are our daily work, rents keep rising everywhere.",
    "We need seed sovereignty, not patents on seeds.",
    "Flood insurance is gone in the delta, families pay for the floods.",
)


@dataclass(frozen=True)
class Call:
    public_id: str
    host: Browserish
    ana: Browserish
    bilal: Browserish
    prompt_ids: tuple[str, ...]
    invite_token: str


def _type_notes(server: LiveServer, room: str, writes: list[tuple[str, str, str]]) -> None:
    """``writes``: (notes token, prompt id, text), each sent and acknowledged."""

    async def main() -> None:
        for token, prompt_id, text in writes:
            client = await NotesClient.connect(server, room, token)
            async with asyncio.timeout(10):
                await client.synced.wait()
            await client.type(prompt_id, text)
            await client.wait_acked()
            await client.close()

    asyncio.run(main())


def typed_call(server: LiveServer, *, privacy_mode: str = "named") -> Call:
    host = login(server, "host@example.org")
    convening = create_convening(host, "Reflection call", privacy_mode=privacy_mode)
    pid = convening.public_id
    add_round(host, pid)
    base = f"/host/convenings/{pid}"
    round_id = re.findall(r'/rounds/([A-Za-z0-9_-]+)/prompts"', host.get(base).text)[-1]
    host.submit(
        f"{base}/rounds/{round_id}/prompts",
        {"text_en": "Where does your work meet the climate crisis?"},
        form_page=base,
    )
    ana = join(
        server,
        convening.invite_url,
        "Ana Pérez",
        organisation="Vecinas Unidas",
        movements="housing, climate",
        region="South America",
        consent_quoted="on",
    )
    bilal = join(
        server,
        convening.invite_url,
        "Bilal Haddad",
        organisation="Tenants Together",
        movements="housing",
        region="Europe",
    )
    notes_page = host.get(f"{base}/notes").text
    found = re.findall(r'data-section="prompt:([^"]+)"', notes_page)
    prompt_ids = tuple(p for p in dict.fromkeys(found) if p != "free")
    assert len(prompt_ids) == 2, notes_page
    ana_token = notes_token(ana, f"/c/{pid}/notes")
    bilal_token = notes_token(bilal, f"/c/{pid}/notes")
    writes = []
    for prompt_id in prompt_ids:
        writes.append(
            (ana_token, prompt_id, "".join(f"- Ana Pérez: {line}\n" for line in ANA_LINES))
        )
        writes.append(
            (bilal_token, prompt_id, "".join(f"- Bilal Haddad: {line}\n" for line in BILAL_LINES))
        )
    _type_notes(server, pid, writes)
    invite_token = convening.invite_url.rsplit("/", 1)[-1]
    return Call(pid, host, ana, bilal, prompt_ids, invite_token)


def sections_of(page: str) -> list[str]:
    return SECTION.findall(page)


def textarea(page: str, key: str) -> str:
    slug = key.replace(":", "-")
    match = re.search(rf'<textarea id="body-{re.escape(slug)}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, page
    return match.group(1)


def unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_reflection_draft_edit_regenerate_publish_then_participant_reads_it(
    server: LiveServer,
) -> None:
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    assert call.ana.get(f"/c/{call.public_id}/reflection").status_code == 404
    assert "reflection-link" not in call.ana.get(f"/c/{call.public_id}/lobby").text

    drafted = call.host.submit(f"{page}/generate", {}, form_page=page)
    keys = sections_of(drafted.text)
    prompt_key = f"prompt:{call.prompt_ids[0]}"
    token = call.host.csrf(page)
    edited = call.host.post(
        f"{page}/sections/participation",
        data={
            "heading": "Who came",
            "body": "Edited by the host.\n\n- twelve of us",
            "csrf_token": token,
        },
        headers=HTMX,
    )
    spoiled = call.host.post(
        f"{page}/sections/{prompt_key}",
        data={"heading": "Spoiled", "body": "to be regenerated", "csrf_token": token},
        headers=HTMX,
    )
    regenerated = call.host.post(
        f"{page}/sections/{prompt_key}/regenerate", data={"csrf_token": token}, headers=HTMX
    )
    after = call.host.get(page).text
    still_draft = call.ana.get(f"/c/{call.public_id}/reflection").status_code
    call.host.submit(f"{page}/publish", {}, form_page=page)
    lobby = call.ana.get(f"/c/{call.public_id}/lobby").text
    read = call.ana.get(f"/c/{call.public_id}/reflection")

    assert keys == [
        "participation",
        "takeaways",
        "themes",
        f"prompt:{call.prompt_ids[0]}",
        f"prompt:{call.prompt_ids[1]}",
        "intersections",
    ] or keys[:5] == [
        "participation",
        "takeaways",
        "themes",
        f"prompt:{call.prompt_ids[0]}",
        f"prompt:{call.prompt_ids[1]}",
    ], keys
    assert "People: 2" in textarea(drafted.text, "participation")
    assert edited.status_code == 200
    assert edited.text.lstrip().startswith('<section class="reflection-section"')
    assert 'data-save-state data-saving="Saving…" data-saved="Saved"' in edited.text
    assert spoiled.status_code == 200
    assert regenerated.status_code == 200
    assert textarea(regenerated.text, prompt_key) == textarea(drafted.text, prompt_key)
    assert textarea(after, "participation") == "Edited by the host.\n\n- twelve of us"
    assert textarea(after, prompt_key) == textarea(drafted.text, prompt_key)
    assert still_draft == 404
    assert f'href="/c/{call.public_id}/reflection"' in lobby
    assert read.status_code == 200
    assert "<h2>Who came</h2>" in read.text
    assert "<p>Edited by the host.</p>" in read.text
    quotes = [(unescape(text), who) for text, who in QUOTE.findall(read.text)]
    assert quotes, read.text
    for text, who in quotes:
        assert text in ANA_LINES  # Bilal did not agree to be quoted
        assert unescape(who) == "Ana Pérez, Vecinas Unidas"


def test_reflection_exports_render_the_edited_draft(server: LiveServer) -> None:
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)
    call.host.submit(
        f"{page}/sections/takeaways",
        {"heading": "What we take home", "body": "Only the host wrote this."},
        form_page=page,
    )

    markdown = call.host.get(f"{page}.md")
    word = call.host.get(f"{page}.docx")
    pdf = call.host.get(f"{page}.pdf")

    assert markdown.status_code == 200
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.headers["content-disposition"] == (
        f'attachment; filename="reflection-{call.public_id}.md"'
    )
    assert "## What we take home\n\nOnly the host wrote this.\n" in markdown.text
    assert "People: 2" in markdown.text
    assert word.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert word.headers["content-disposition"] == (
        f'attachment; filename="reflection-{call.public_id}.docx"'
    )
    paragraphs = [p.text for p in Document(io.BytesIO(word.content)).paragraphs]
    assert "What we take home" in paragraphs
    assert "Only the host wrote this." in paragraphs
    assert len(Document(io.BytesIO(word.content)).inline_shapes) >= 2  # the charts
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_reflection_forms_without_csrf_are_refused_and_change_nothing(
    server: LiveServer,
) -> None:
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)
    before = textarea(call.host.get(page).text, "participation")

    attempts = [
        call.host.post(f"{page}/sections/participation", data={"heading": "X", "body": "Y"}),
        call.host.post(f"{page}/sections/participation/regenerate"),
        call.host.post(f"{page}/publish"),
        call.host.post(f"{page}/generate"),
    ]

    assert [r.status_code for r in attempts] == [403, 403, 403, 403]
    assert "This form has expired" in attempts[0].text
    assert textarea(call.host.get(page).text, "participation") == before
    assert call.ana.get(f"/c/{call.public_id}/reflection").status_code == 404


def test_reflection_bad_edits_get_a_clear_error_and_change_nothing(server: LiveServer) -> None:
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)
    before = call.host.get(page).text
    token = call.host.csrf(page)

    empty = call.host.post(
        f"{page}/sections/participation",
        data={"heading": "  ", "body": "kept?", "csrf_token": token},
        headers=HTMX,
    )
    too_long = call.host.post(
        f"{page}/sections/participation",
        data={"heading": "Fine", "body": "x" * 20_001, "csrf_token": token},
        headers=HTMX,
    )
    unknown = call.host.post(
        f"{page}/sections/nonsense", data={"heading": "A", "body": "B", "csrf_token": token}
    )
    bad_format = call.host.get(f"{page}.exe")

    assert empty.status_code == 422
    assert 'id="heading-participation-error"' in empty.text
    assert too_long.status_code == 422
    assert 'id="body-participation-error"' in too_long.text
    assert unknown.status_code == 404
    assert bad_format.status_code == 404
    assert textarea(call.host.get(page).text, "participation") == textarea(before, "participation")


def test_reflection_of_another_convening_is_not_found(server: LiveServer) -> None:
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)
    call.host.submit(f"{page}/publish", {}, form_page=page)
    other_host = login(server, "other@example.org")
    elsewhere = create_convening(other_host, "Another call")
    stranger = join(server, elsewhere.invite_url, "Stranger")

    responses = {
        "stranger reads": stranger.get(f"/c/{call.public_id}/reflection"),
        "other host page": other_host.get(page),
        "other host export": other_host.get(f"{page}.md"),
        "other host edits": other_host.submit(
            f"{page}/sections/participation",
            {"heading": "Mine", "body": "now"},
            form_page="/host",
        ),
        "own empty note": stranger.get(f"/c/{elsewhere.public_id}/reflection"),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert "Who came" not in call.host.get(page).text
    assert call.ana.get(f"/c/{call.public_id}/reflection").status_code == 200


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp_path / "note.pdf"
    source.write_bytes(data)
    return subprocess.run(
        [pdftotext, str(source), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_chatham_house_pages_and_exports_name_nobody(server: LiveServer, tmp_path: Path) -> None:
    call = typed_call(server, privacy_mode="chatham_house")
    page = f"/host/convenings/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)
    # The host types names in by hand: Chatham House still holds.
    call.host.submit(
        f"{page}/sections/takeaways",
        {
            "heading": "Thanks to Ana Pérez",
            "body": "> Floods came first.\n> — Ana Pérez, Vecinas Unidas\n\n"
            "Bilal Haddad of Tenants Together spoke last.",
        },
        form_page=page,
    )
    call.host.submit(f"{page}/publish", {}, form_page=page)

    outputs = {
        "markdown": call.host.get(f"{page}.md").text,
        "docx": "\n".join(
            p.text for p in Document(io.BytesIO(call.host.get(f"{page}.docx").content)).paragraphs
        ),
        "pdf": _pdf_text(call.host.get(f"{page}.pdf").content, tmp_path),
        "participant page": call.ana.get(f"/c/{call.public_id}/reflection").text,
        "preview": call.host.get(f"{page}/preview").text,
    }

    for name, text in outputs.items():
        assert "Floods came first." in text, name
        for identifying in ("Ana", "Pérez", "Bilal", "Haddad", "Vecinas", "Tenants Together"):
            assert identifying not in text, (name, identifying)
        assert "[participant]" in text.replace("\\", ""), name  # Markdown escapes brackets
        assert "Chatham House" in text, name


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    assert data[12:16] == b"IHDR", data[12:16]
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_reflection_docx_and_pdf_carry_the_note_and_its_charts(
    server: LiveServer, tmp_path: Path
) -> None:
    """The exports a host downloads, read back by independent readers: python-docx opens the
    DOCX package (its parts, relationships and inline pictures), and poppler rasterises and
    reads the PDF. This replaced a LibreOffice round trip that skipped on every machine
    without LibreOffice (about 150 MB to download); these readers are installed by
    `make setup` and `make pdf-libs`, so the check runs everywhere."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "pdftoppm is missing: run `make pdf-libs`"
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)

    document = Document(io.BytesIO(call.host.get(f"{page}.docx").content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Participation" in headings, headings
    assert any(s in body for s in ("Floods hit our barrio first", "Rents doubled", "Seed banks"))
    # Every picture is an inline shape whose image part is a PNG of a real size.
    assert len(document.inline_shapes) >= 1
    pictures = [
        part.blob
        for part in document.part.package.parts
        if part.partname.startswith("/word/media/")
    ]
    assert len(pictures) == len(document.inline_shapes)
    for blob in pictures:
        width, height = _png_size(blob)
        assert width >= 200 and height >= 100, (width, height)

    pdf = tmp_path / "reflection.pdf"
    pdf.write_bytes(call.host.get(f"{page}.pdf").content)
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    text = _pdf_text(pdf.read_bytes(), tmp_path)
    assert len(pages) >= 2
    # A blank page at 50 dpi compresses to well under 2 kB; a page with text and charts does not.
    assert all(p.stat().st_size > 2000 for p in pages)
    assert "Participation" in text
    assert any(s in text for s in ("Floods hit our barrio first", "Rents doubled", "Seed banks"))


def test_feedback_answers_reach_the_drafted_note_with_consent_respected(
    server: LiveServer,
) -> None:
    call = typed_call(server)
    feedback = f"/c/{call.public_id}/feedback"
    call.ana.submit(
        feedback,
        {"rating": "5", "energising": "Meeting tenants from another continent energised me."},
        form_page=feedback,
    )
    call.bilal.submit(
        feedback,
        {"rating": "3", "energising": "Bilal private remark about the breakout timing."},
        form_page=feedback,
    )
    page = f"/host/convenings/{call.public_id}/reflection"

    drafted = call.host.submit(f"{page}/generate", {}, form_page=page).text
    body = unescape(textarea(drafted, "feedback"))

    assert "feedback" in sections_of(drafted)
    assert "2 feedback answers." in body
    assert "Average rating: 4.0 out of 5." in body
    # Ana consented to be quoted; Bilal did not, so his words are never quoted.
    assert "Meeting tenants from another continent energised me." in body
    assert "Bilal private remark" not in drafted


JSON = {"Accept": "application/json"}


def test_reflection_autosave_saves_one_section_and_never_another_hosts_sections(
    server: LiveServer, other_host: Browserish
) -> None:
    """The editor saves per section (#27): two sessions editing different sections both keep
    their text, the later save of one section wins, no token or another host changes nothing."""
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)
    second = login(server, "host@example.org")  # the same note open in a second browser
    first_token, second_token = call.host.csrf(page), second.csrf(page)
    prompt_key = f"prompt:{call.prompt_ids[0]}"
    drafted_prompt = textarea(call.host.get(page).text, prompt_key)

    def autosave(client: Browserish, token: str | None, key: str, body: str) -> httpx.Response:
        data = {"heading": f"Heading of {key}", "body": body}
        headers = dict(JSON)
        if token is not None:
            headers["X-CSRF-Token"] = token
        return client.post(f"{page}/sections/{key}", data=data, headers=headers)

    saved = autosave(call.host, first_token, "participation", "First host's words.")
    other = autosave(second, second_token, "takeaways", "Second host's words.")
    earlier = autosave(call.host, first_token, "themes", "Earlier save.")
    later = autosave(second, second_token, "themes", "Later save.")
    no_token = autosave(call.host, None, "participation", "Without a token.")
    stranger = autosave(other_host, other_host.csrf("/host"), "participation", "Not mine.")
    too_long = autosave(call.host, first_token, "participation", "x" * 20_001)
    after = call.host.get(page).text

    assert saved.status_code == 200
    assert saved.headers["content-type"] == "application/json"
    assert saved.json() == {
        "saved": True,
        "key": "participation",
        "heading": "Heading of participation",
    }
    assert other.status_code == earlier.status_code == later.status_code == 200
    assert no_token.status_code == 403
    assert stranger.status_code == 404
    assert too_long.status_code == 422
    assert too_long.json()["saved"] is False
    assert set(too_long.json()["errors"]) == {"body"}
    assert textarea(after, "participation") == "First host&#39;s words."
    assert textarea(after, "takeaways") == "Second host&#39;s words."
    assert textarea(after, "themes") == "Later save."
    assert textarea(after, prompt_key) == drafted_prompt
    second.close()


def test_reflection_json_export_lists_contribution_ids_for_its_host_only(
    server: LiveServer, other_host: Browserish
) -> None:
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)
    exported = call.host.get(f"{page}.json")
    stranger = other_host.get(f"{page}.json")
    data = exported.json()

    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/json"
    assert exported.headers["cache-control"] == "no-store"
    assert exported.headers["content-disposition"] == (
        f'attachment; filename="reflection-{call.public_id}.json"'
    )
    assert "download>Download JSON</a>" in call.host.get(page).text
    assert stranger.status_code == 404
    assert set(data) >= {"title", "language", "engine", "prompts", "takeaways"}
    assert [p["id"] for p in data["prompts"]] == list(call.prompt_ids)
    # Each prompt's section holds Ana's four lines then Bilal's: ids are "<prompt>:<line>".
    typed = [f"Ana Pérez: {line}" for line in ANA_LINES] + [
        f"Bilal Haddad: {line}" for line in BILAL_LINES
    ]
    for prompt in data["prompts"]:
        ids = [i for t in prompt["themes"] for i in t["contribution_ids"]]
        ids += prompt["other_points"]["contribution_ids"]
        assert "source_lines" not in str(prompt["themes"])
        assert sorted(ids, key=lambda i: int(i.rsplit(":", 1)[1])) == [
            f"{prompt['id']}:{n}" for n in range(1, len(typed) + 1)
        ]
        for theme in prompt["themes"]:
            for quote in theme["quotes"]:
                assert quote["text"] in ANA_LINES  # Bilal did not agree to be quoted


def test_reflection_reader_page_answers_304_until_a_new_version_is_published(
    server: LiveServer,
) -> None:
    """What the reader's page polls with (#27): an ETag of the note as rendered."""
    call = typed_call(server)
    page = f"/host/convenings/{call.public_id}/reflection"
    reader = f"/c/{call.public_id}/reflection"
    call.host.submit(f"{page}/generate", {}, form_page=page)
    call.host.submit(f"{page}/publish", {}, form_page=page)

    first = call.ana.get(reader)
    etag = first.headers["etag"]
    unchanged = call.ana.get(reader, headers={"If-None-Match": etag})
    call.host.submit(
        f"{page}/sections/takeaways",
        {"heading": "What we take home", "body": "A newer version."},
        form_page=page,
    )
    changed = call.ana.get(reader, headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert f'data-reflection-poll="{etag.replace(chr(34), "&#34;")}"' in first.text
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "A newer version." in changed.text
