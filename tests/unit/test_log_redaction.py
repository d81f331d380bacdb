"""URL secrets (invite tokens, notes tokens) never reach uvicorn's logs."""

from __future__ import annotations

import logging
import string

from hypothesis import given
from hypothesis import strategies as st

from crossroads.log import REDACTED, RedactSecrets, redact

TOKENS = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=12, max_size=64)


@given(TOKENS, TOKENS)
def test_invite_and_notes_tokens_are_redacted_wherever_they_sit(invite: str, notes: str) -> None:
    line = (
        f'1.2.3.4:5 - "GET /join/{invite}?next=/c/x HTTP/1.1" 303 and '
        f'"WebSocket /ws/notes/room1?a=1&token={notes}" [accepted]'
    )
    out = redact(line)
    assert invite not in out and notes not in out
    assert out.count(REDACTED) == 2
    assert "/c/x" in out and "/ws/notes/room1?a=1&token=" in out  # the rest is kept


def test_the_filter_rewrites_a_records_arguments_as_uvicorn_passes_them() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/join/s3cr3t-invite-token", "1.1", 200),
        None,
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == f'1.2.3.4:5 - "GET /join/{REDACTED} HTTP/1.1" 200'
