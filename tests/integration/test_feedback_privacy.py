"""Feedback answers stay anonymous on every page that shows text derived from them (#26).

The feedback form says "The hosts see the answers without names", and no writer opts in to
more: so no writer's name may stand beside their feedback text, on the host's summary, the
intersections maps (host and participant), the reflection note (draft, preview, the published
page) or its exports. Ana agreed to be quoted from the notes, by name: that consent is for the
notes, and her notes quotes keep her name, which proves the check can see a name when there.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from docx import Document

from tests.integration.conftest import Browserish, create_convening, join
from tests.integration.test_reflection_pages import ANA_LINES, QUOTE, _pdf_text, typed_call
from tests.servers import LiveServer

pytestmark = pytest.mark.integration

# What Ana and Bilal write in the feedback form: each sentence also a candidate quote.
ANA_FEEDBACK = {
    "rating": "5",
    "energising": "Meeting the drought organisers was energising. "
    "The drought mapping session gave me new allies. "
    "Hearing about drought funds from other regions was energising.",
    "improve": "Longer rounds for the drought discussion please. "
    "Better audio for the drought breakout rooms.",
    "drill_into": "sequía",
}
BILAL_FEEDBACK = {
    "rating": "4",
    "energising": "The drought stories from the delta were energising. "
    "Drought funds and mutual aid gave me ideas.",
    "improve": "Shorter plenary and longer drought rounds.",
    "drill_into": "sequía, tenant unions",
}
WRITERS = ("Ana Pérez", "Bilal Haddad")


def send_feedback(client: Browserish, public_id: str, data: dict[str, object]) -> None:
    page = f"/c/{public_id}/feedback"
    assert client.submit(page, data, form_page=page).status_code == 200


def feedback_fragments() -> list[str]:
    """Every sentence and topic written into the form, to look for on the pages."""
    found = []
    for answers in (ANA_FEEDBACK, BILAL_FEEDBACK):
        for key in ("energising", "improve"):
            found += [s.strip() for s in re.split(r"(?<=\.) ", answers[key]) if s.strip()]
        found += [t.strip() for t in answers["drill_into"].split(",")]
    return found


def blocks(page: str) -> list[str]:
    """The page's text cut where a block opens (a list item, table row, paragraph, quote,
    heading): what a reader takes as one statement. A table row stays whole, so a topic in
    its first cell and names in the next are one block."""
    parts = re.split(r"<(?:li|tr|p|blockquote|h[1-6]|section|ul|ol|table|div|dd|dt)\b[^>]*>", page)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split()) for part in parts]


def named_feedback(page: str) -> list[str]:
    """Blocks holding feedback text and a writer's name: there must be none."""
    fragments = [f.casefold() for f in feedback_fragments()]
    return [
        block
        for block in blocks(page)
        if any(f in block.casefold() for f in fragments)
        and any(name.casefold() in block.casefold() for name in WRITERS)
    ]


def feedback_part(text: str) -> str:
    """The reflection's feedback section: the last one, from its heading to the end."""
    _before, found, part = text.partition("What participants said about the call")
    assert found, text[-2000:]
    return part


def test_feedback_text_is_never_shown_with_its_writers_name(
    server: LiveServer, tmp_path: Path
) -> None:
    call = typed_call(server)
    pid = call.public_id
    send_feedback(call.ana, pid, ANA_FEEDBACK)
    send_feedback(call.bilal, pid, BILAL_FEEDBACK)
    for client in (call.ana, call.bilal):
        page = f"/c/{pid}/connections"
        client.submit(f"{page}/opt-in", {"opt_in": "on"}, form_page=page)
    note = f"/host/convenings/{pid}/reflection"

    summary = call.host.get(f"/host/convenings/{pid}/feedback").text
    host_map = call.host.get(f"/host/convenings/{pid}/intersections").text
    ana_map = call.ana.get(f"/c/{pid}/connections").text
    draft = call.host.submit(f"{note}/generate", {}, form_page=note).text
    preview = call.host.get(f"{note}/preview").text
    call.host.submit(f"{note}/publish", {}, form_page=note)
    published = call.ana.get(f"/c/{pid}/reflection").text
    markdown = call.host.get(f"{note}.md").text
    word = Document(io.BytesIO(call.host.get(f"{note}.docx").content))
    pdf = call.host.get(f"{note}.pdf").content

    # Each page shows the feedback (else the check would prove nothing)...
    assert "Better audio for the drought breakout rooms." in summary
    assert "sequía: 2 people" in " ".join(blocks(host_map))
    assert "sequía: 2 people" in " ".join(blocks(ana_map))
    assert "drought" in published.casefold() and "drought" in markdown.casefold()
    # ...and none shows it beside a name.
    assert named_feedback(summary) == []
    assert named_feedback(host_map) == []
    assert named_feedback(ana_map) == []
    for page in (draft, preview, published):
        assert named_feedback(page) == []
        for text, who in QUOTE.findall(page):
            # A named quote is one of Ana's notes lines, never a feedback sentence.
            assert who == "" or html.unescape(text) in ANA_LINES, (text, who)
    assert [line for line in markdown.splitlines() if named_feedback(f"<p>{line}")] == []
    paragraphs = [p.text for p in word.paragraphs]
    assert [p for p in paragraphs if named_feedback(f"<p>{html.escape(p)}")] == []
    # The whole feedback section of each export names nobody (a quote's attribution is a line
    # of its own, which the checks by block above would not tie to the quote).
    exports = {
        "markdown": markdown,
        "docx": "\n".join(paragraphs),
        "pdf": _pdf_text(pdf, tmp_path),
        "published": " ".join(blocks(published)),
    }
    for name, text in exports.items():
        part = feedback_part(text)
        assert "drought" in part.casefold(), name
        assert [w for w in WRITERS if w in part] == [], (name, part)
    # The notes consent still names Ana beside her notes (the check sees names).
    assert any(who for _text, who in QUOTE.findall(published))


def test_a_topic_asked_by_one_person_is_not_tied_to_them_on_the_maps(
    server: LiveServer, host: Browserish
) -> None:
    call = create_convening(host, "Overlaps privacy call")
    ana = join(server, call.invite_url, "Ana Solo", movements="Water")
    bo = join(server, call.invite_url, "Bo Solo", movements="Water")
    send_feedback(ana, call.public_id, {"drill_into": "sequía"})
    page = f"/c/{call.public_id}/connections"
    for client in (ana, bo):
        client.submit(f"{page}/opt-in", {"opt_in": "on"}, form_page=page)

    host_map = host.get(f"/host/convenings/{call.public_id}/intersections").text
    bo_view = bo.get(page).text

    for view in (host_map, bo_view):
        text = blocks(view)
        assert [b for b in text if "sequía" in b] == ["sequía: 1 person"]
    # Bo is suggested Ana for the area they both gave when joining, not for her feedback.
    assert "In common: Water" in bo_view
    assert "sequía" not in bo_view.split('id="suggestions"')[1].split("</section>")[0]
