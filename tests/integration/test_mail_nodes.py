"""500 invitations through two real nodes sharing PostgreSQL, one of them restarted mid-send:
the loopback SMTP server receives each exactly once, and both nodes did part of the work."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from crossroads.mail.sink import smtp_sink
from tests import database
from tests.integration.conftest import login
from tests.integration.mail_world import Faulty, create_convening_for_mail, recipients
from tests.nodes import requires_cluster, running_nodes

pytestmark = [pytest.mark.integration, requires_cluster]
PEOPLE = 500


def test_500_invitations_go_out_once_across_two_nodes_and_a_restart(tmp_path: Path) -> None:
    handler = Faulty()
    # A send takes long enough for the restart to land in the middle: at 0.01 s the other node
    # once sent all 500 while this one was stopping (a full run with two workers).
    handler.delay = 0.03
    with (
        smtp_sink(handler) as (sink, port),
        running_nodes(
            tmp_path,
            2,
            smtp_host="127.0.0.1",
            smtp_port=str(port),
            smtp_security="none",
            mail_lease_seconds="5",
            rate_limit_roster="1000/minute",
        ) as nodes,
    ):
        host = login(nodes[0], "host@example.org")
        public_id = create_convening_for_mail(host)
        roster = "name,email\n" + "".join(f"P{i},p{i}@example.org\n" for i in range(PEOPLE))
        page = f"/host/convenings/{public_id}/invitations"
        response = host.post(
            f"{page}/roster",
            data={"csrf_token": host.csrf(page)},
            files={"roster": ("roster.csv", roster.encode(), "text/csv")},
        )
        assert f"{PEOPLE} invitations queued" in response.text, response.text

        sink.wait_for(100, timeout=60)
        nodes[1].stop()  # mid-send: it finishes the message in hand and lets go of the rest
        during = len(sink.messages)
        assert during < PEOPLE, "the restart came too late to be mid-send"
        nodes[1].start()

        messages = sink.wait_for(PEOPLE, timeout=120)
        time.sleep(1)  # nothing more may arrive
        messages = list(sink.messages)
        owners = database.rows(
            nodes.database_url,
            "SELECT lease_owner, status FROM mail_job WHERE kind = 'invitation'",
        )
        logs = nodes.logs()

    counts = Counter(recipients(messages))
    assert len(counts) == PEOPLE, logs
    assert [who for who, n in counts.items() if n > 1] == [], logs
    assert {status for _owner, status in owners} == {"sent"}
    sent_by = {owner.rsplit(":", 1)[0] for owner, _status in owners}
    assert sent_by == {nodes.node_id(nodes[0]), nodes.node_id(nodes[1])}, sent_by
