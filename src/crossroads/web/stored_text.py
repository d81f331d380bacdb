"""A text the database cannot store is a field error, not a 500 (#26).

PostgreSQL refuses a NUL byte in any text column (SQLSTATE 22021, "invalid byte sequence");
SQLite stores it. The forms and the roster refuse control characters before this
(``text_input``), but a form added later may not: this handler is the net under them, so a
NUL byte from any form is a 422 with a clear message on both databases, and the
transaction it came in has been rolled back (nothing changed).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError

from crossroads.convenings.errors import FieldInvalid
from crossroads.text_input import CONTROL_IN_BLOCK
from crossroads.web.errors import handle_error

# character_not_in_repertoire (NUL in text), untranslatable_character
UNSTORABLE_TEXT_STATES = frozenset({"22021", "22P05"})


async def unstorable_text(request: Request, exc: Exception) -> Response:
    state = str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
    if isinstance(exc, DBAPIError) and state in UNSTORABLE_TEXT_STATES:
        return await handle_error(request, FieldInvalid("text", CONTROL_IN_BLOCK))
    return await handle_error(request, exc)
