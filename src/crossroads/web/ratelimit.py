"""Rate limits for login, joining, invite creation and group chat, with the ``limits``
library (moving window, in memory).

In memory is per process; behind several nodes the same limits apply per node.
"""

from __future__ import annotations

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from crossroads.web.errors import RateLimited

# Call signalling per person: a mesh of four with trickled candidates and a renegotiation or
# two sends well under this; a flood of frames (each read against the group) does not pass.
SIGNAL_RATE = "600/minute"


class RateLimits:
    def __init__(
        self,
        *,
        login: str,
        join: str,
        roster: str,
        invites: str = "30/hour",
        chat: str = "20/minute",
    ) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._login: RateLimitItem = parse(login)
        self._join: RateLimitItem = parse(join)
        self._roster: RateLimitItem = parse(roster)
        self._invites: RateLimitItem = parse(invites)
        self._chat: RateLimitItem = parse(chat)
        self._signal: RateLimitItem = parse(SIGNAL_RATE)

    @staticmethod
    def _client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def _hit(self, item: RateLimitItem, *keys: str) -> None:
        if not self._limiter.hit(item, *keys):
            raise RateLimited("too many attempts; wait a minute and try again")

    def hit_login(self, request: Request, email: str) -> None:
        self._hit(self._login, "login", self._client(request), email.strip().lower())

    def hit_join(self, request: Request) -> None:
        self._hit(self._join, "join", self._client(request))

    def hit_roster(self, request: Request, host_id: int) -> None:
        self._hit(self._roster, "roster", str(host_id))

    def hit_invites(self, host_id: int) -> None:
        """One more batch of invites made by this host (a renewed shared link, a roster,
        the personal links of a series' next call)."""
        self._hit(self._invites, "invites", str(host_id))

    def allow_chat(self, participant_id: int) -> bool:
        """One more group chat line for this person? (Checked on the live socket.)"""
        return self._limiter.hit(self._chat, "chat", str(participant_id))

    def allow_signal(self, participant_id: int) -> bool:
        return self._limiter.hit(self._signal, "signal", str(participant_id))
