"""Rate limits for login, joining, invite creation and group chat, with the ``limits``
library (moving window).

One node: in memory. Several (``CROSSROADS_REDIS_URL``): login, joining, rosters and invites
are counted in Redis, so going through another node does not buy more attempts (#11); while
Redis is away, each node counts in memory again. Chat and call signalling stay in memory:
they are counted per person on the node holding that person's live socket.
"""

from __future__ import annotations

import structlog
from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter as SharedRateLimiter
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from crossroads.web.errors import RateLimited

log = structlog.get_logger(__name__)

# Call signalling per person: a mesh of four with trickled candidates and a renegotiation or
# two sends well under this; a flood of frames (each read against the group) does not pass.
SIGNAL_RATE = "600/minute"


class RateLimits:
    def __init__(
        self,
        *,
        login: str,
        join: str,
        login_address: str = "20/minute",
        roster: str,
        invites: str = "30/hour",
        chat: str = "20/minute",
        redis_url: str | None = None,
        redis_prefix: str = "crossroads:",
    ) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._shared: SharedRateLimiter | None = None
        if redis_url:
            storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=f"{redis_prefix}limits",
                socket_connect_timeout=1.0,
                socket_timeout=1.0,
            )
            self._shared = SharedRateLimiter(storage)
        self._login: RateLimitItem = parse(login)
        self._login_address: RateLimitItem = parse(login_address)
        self._join: RateLimitItem = parse(join)
        self._roster: RateLimitItem = parse(roster)
        self._invites: RateLimitItem = parse(invites)
        self._chat: RateLimitItem = parse(chat)
        self._signal: RateLimitItem = parse(SIGNAL_RATE)

    @staticmethod
    def _client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def _hit(self, item: RateLimitItem, *keys: str) -> None:
        allowed = None
        if self._shared is not None:
            try:
                allowed = await self._shared.hit(item, *keys)
            except (RedisError, OSError) as exc:
                log.warning("rate_limit_redis_away", error=str(exc))
        if allowed is None:
            allowed = self._limiter.hit(item, *keys)
        if not allowed:
            raise RateLimited("too many attempts; wait a minute and try again")

    async def hit_login(self, request: Request, email: str) -> None:
        """Per address and email (guessing one account's password), and per address alone
        (spraying one password over many emails: each attempt costs an Argon2 verify, #26)."""
        client = self._client(request)
        await self._hit(self._login_address, "login-address", client)
        await self._hit(self._login, "login", client, email.strip().lower())

    async def hit_join(self, request: Request) -> None:
        await self._hit(self._join, "join", self._client(request))

    async def hit_roster(self, request: Request, host_id: int) -> None:
        await self._hit(self._roster, "roster", str(host_id))

    async def hit_invites(self, host_id: int) -> None:
        """One more batch of invites made by this host (a renewed shared link, a roster,
        the personal links of a series' next call)."""
        await self._hit(self._invites, "invites", str(host_id))

    def allow_chat(self, participant_id: int) -> bool:
        """One more group chat line for this person? (Checked on the live socket.)"""
        return self._limiter.hit(self._chat, "chat", str(participant_id))

    def allow_signal(self, participant_id: int) -> bool:
        return self._limiter.hit(self._signal, "signal", str(participant_id))
