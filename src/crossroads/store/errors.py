"""Errors raised by the store.

StoreError
 ├── NotFound        an id that does not exist, or is outside the requester's scope
 ├── Conflict        a unique value already taken (an email)
 └── StoreUnavailable the database could not be reached or timed out
"""

from __future__ import annotations


class StoreError(Exception):
    code = "store_error"


class NotFound(StoreError):
    code = "not_found"

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind} not found")
        self.kind = kind


class Conflict(StoreError):
    code = "conflict"

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is already taken")
        self.field = field


class StoreUnavailable(StoreError):
    """The same work may succeed in a moment. The message is for people; ``detail``, the
    driver's own words (addresses, ports), is for the logs."""

    code = "store_unavailable"

    def __init__(self, detail: str = "") -> None:
        super().__init__("the database is unavailable; try again in a moment")
        self.detail = detail
