"""Invitations by e-mail through a real `crossroads serve` and a loopback SMTP server: the
host uploads a roster, people get their mail, a refused address shows on the host's list,
unsubscribing works, and the list says who opened their link and joined."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from crossroads.mail.sink import smtp_sink
from tests.integration.conftest import client_for, create_convening, join, login
from tests.integration.mail_world import Faulty, recipients, unsubscribe_link
from tests.servers import running_server

pytestmark = [pytest.mark.integration]

ROSTER = (
    b"name,email,language\n"
    b"Ana,ana@example.org,es\n"
    b"Bad Row,not-an-address,\n"
    b"Ben,ben@example.org,\n"
    b"Refused,refused@example.org,\n"
)


def _wait_for_list(client, path: str, predicate, timeout: float = 20) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        text = client.get(path).text
        if predicate(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def test_roster_by_mail_reports_bad_rows_sends_the_rest_and_shows_failures(
    tmp_path: Path,
) -> None:
    handler = Faulty()
    handler.refuse = {"refused@example.org"}
    with (
        smtp_sink(handler) as (sink, port),
        running_server(
            tmp_path / "server",
            smtp_host="127.0.0.1",
            smtp_port=str(port),
            smtp_security="none",
            rate_limit_roster="1000/minute",
        ) as server,
    ):
        host = login(server, "host@example.org")
        convening = create_convening(host, "Mailed call <script>alert(1)</script>")
        page = f"/host/convenings/{convening.public_id}/invitations"
        response = host.post(
            f"{page}/roster",
            data={"csrf_token": host.csrf(page)},
            files={"roster": ("roster.csv", ROSTER, "text/csv")},
        )
        assert response.status_code == 200, response.text
        assert "3 invitations queued for sending." in response.text
        assert "line 3: email is not an email address" in response.text

        messages = sink.wait_for(2, timeout=20)
        assert sorted(recipients(messages)) == ["ana@example.org", "ben@example.org"]
        spanish = next(m for m in messages if "ana@" in str(m["To"]))
        assert spanish["Subject"] == "Invitación: Mailed call <script>alert(1)</script>"

        text = _wait_for_list(host, page, lambda t: "No such mailbox" in t)
        row = re.search(r'<tr class="invited mail-failed">.*?</tr>', text, re.S)
        assert row and "refused@example.org" in row.group(0), text
        assert "550" in row.group(0)
        assert "E-mail failed: 1" in text

        # Ben opens his link and joins: the list says so.
        ben = next(m for m in messages if "ben@" in str(m["To"]))
        link = re.search(r"http://\S+/join/\S+", ben.get_body(("plain",)).get_content())
        assert link
        join(server, link.group(0), "Ben")
        text = host.get(page).text
        assert "Opened their link: 1" in text and "Joined: 1" in text
        csv = host.get(f"{page}.csv").text
        assert "ben@example.org" in csv.split("\r\n")[2] or "ben@example.org" in csv

        # Ana unsubscribes from her mail (the page asks first; the POST does it).
        spanish_link = unsubscribe_link(spanish).removeprefix(server.url)
        visitor = client_for(server)
        unsubscribe_page = visitor.get(spanish_link).text
        assert "Unsubscribe" in unsubscribe_page
        assert "<script>alert(1)" not in unsubscribe_page
        assert "&lt;script&gt;alert(1)" in unsubscribe_page
        done = visitor.post(
            spanish_link, data={"csrf_token": visitor.csrf(spanish_link), "abuse": "on"}
        )
        assert done.status_code == 200 and 'id="unsubscribed"' in done.text
        assert "reported abuse" in host.get(page).text
        # A mail client's one-click POST (RFC 8058) needs no form token.
        one_click = client_for(server).post(
            unsubscribe_link(ben).removeprefix(server.url),
            data={"List-Unsubscribe": "One-Click"},
        )
        assert one_click.status_code == 200
        # A forged link is not found.
        assert client_for(server).get(spanish_link[:-2] + "00").status_code == 404
