"""The handle use cases hold: an engine plus transactions that translate driver errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from crossroads.store.engine import create_engine, session_factory
from crossroads.store.errors import Conflict, StoreUnavailable
from crossroads.store.migrate import upgrade_to_head


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url)
        self._sessions = session_factory(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        await upgrade_to_head(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on any error."""
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except IntegrityError as exc:
            raise Conflict(_constraint_field(exc)) from exc
        except (DBAPIError, PoolTimeout, OSError) as exc:
            if not unavailable(exc):
                raise
            raise StoreUnavailable(str(getattr(exc, "orig", None) or exc)) from exc


# SQLSTATE classes that say the server is away, not that the statement is wrong: 08 connection
# exception (a connection dropped mid-query), 57P admin or crash shutdown and "the database
# system is starting up", 53 insufficient resources (too many connections).
_AWAY_STATES = ("08", "57P", "53")


def unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be reached now (restarting, locked, gone),
    so the same work may succeed later."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        state = str(getattr(exc.orig, "sqlstate", None) or "")
        return exc.connection_invalidated or state.startswith(_AWAY_STATES)
    # asyncpg opens connections outside SQLAlchemy's error wrapping: a refused connection
    # (PostgreSQL stopped) or a connect timeout arrives as the socket's own OSError.
    return isinstance(exc, OSError)


def _constraint_field(exc: IntegrityError) -> str:
    # "UNIQUE constraint failed: host_account.email" -> "email"
    text = str(exc.orig)
    tail = text.rsplit(":", 1)[-1].strip()
    return tail.rsplit(".", 1)[-1] or "value"
