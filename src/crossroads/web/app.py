"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from crossroads import __version__, supervisor
from crossroads.convenings import series
from crossroads.convenings.errors import ConveningError, FieldInvalid
from crossroads.convenings.live_views import ViewCache
from crossroads.live.cluster import Cluster
from crossroads.live.errors import LiveError
from crossroads.mail.service import start_mail_worker
from crossroads.messages import N_
from crossroads.notes.affinity import RoomAffinity
from crossroads.notes.control import RoomControl
from crossroads.notes.rooms import RoomServer
from crossroads.settings import Settings
from crossroads.store.database import Database
from crossroads.store.errors import NotFound, StoreError
from crossroads.web import i18n
from crossroads.web.body_limit import BodyLimit
from crossroads.web.crdt_panic import PanicResponse
from crossroads.web.errors import RequestUnreadable, WebError, handle_error
from crossroads.web.live_setup import call_config, start_live
from crossroads.web.previews import HostPreviews
from crossroads.web.ratelimit import RateLimits
from crossroads.web.round_plans import RoundPlans
from crossroads.web.routers import (
    accounts,
    followup,
    host,
    internal,
    live,
    mail,
    notes,
    participant,
    preferences,
    privacy,
    reflection,
    venues,
)
from crossroads.web.security import SecurityMiddleware
from crossroads.web.socket_caps import SocketClaims, SocketCounts
from crossroads.web.static_files import STATIC_DIR, CacheHeaders
from crossroads.web.stored_text import unstorable_text
from crossroads.web.templating import create_templates

GC_YOUNG_THRESHOLD = 20_000  # Python's default is 700 allocations
log = structlog.get_logger(__name__)


class LanguageMiddleware:
    """Activates the request's language (cookie, then Accept-Language) for gettext."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers", []))
            chosen = None
            for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
                name, _sep, value = part.strip().partition("=")
                if name == i18n.LANGUAGE_COOKIE:
                    chosen = value
            accept = headers.get(b"accept-language", b"").decode("latin-1")
            i18n.activate(i18n.negotiate(accept, chosen))
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths get the same friendly 404 page as unknown ids; a body Starlette could
    not parse (a 400) gets our error page or JSON shape too, not its own JSON (#12)."""
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 404:
        return await handle_error(request, NotFound("page"))
    if isinstance(exc, WebError):  # RequestTooLarge, raised while a body was read
        return await handle_error(request, exc)
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 400:
        return await handle_error(request, RequestUnreadable(str(exc.detail)))
    return await http_exception_handler(request, exc)  # type: ignore[arg-type]  # is HTTPException


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """A query or path value FastAPI could not read (``?sent=maybe``) gets the same error
    page, or JSON error shape, as any other bad field, not FastAPI's own JSON (#12)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    location = errors[0].get("loc", ()) if errors else ()
    field = str(location[-1]) if location else "request"
    return await handle_error(request, FieldInvalid(field, N_("This value is not valid.")))


def _tune_gc() -> None:
    """Keep the cycle collector off the live path.

    With thousands of connections the heap holds millions of objects; a full collection
    that lands in a round start's fan-out took ~150 ms there (bench/round_fanout.py). The
    objects made at start-up (modules, app, templates) live forever, so they are frozen out
    of collections, and young collections run less often. Memory freed by reference counting,
    which is nearly all of it, is unaffected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


RETENTION_EVERY_SECONDS = 3600


async def _retention_loop(db: Database) -> None:
    """Erase personal data whose series' retention period has passed, hourly (#9). Erasing
    is idempotent, so several nodes running this at once do no harm."""
    while True:
        try:
            erased = await series.apply_retention(db, now=datetime.now(UTC))
            if erased:
                log.info("retention_applied", erased=erased)
        except StoreError as exc:
            log.warning("retention_failed", error=str(exc))
        await asyncio.sleep(RETENTION_EVERY_SECONDS)


def _cluster(settings: Settings) -> Cluster | None:
    if not settings.redis_url:
        return None
    return Cluster(
        settings.redis_url,
        node_id=settings.resolved_node_id,
        internal_url=settings.resolved_internal_url,
        ttl=settings.node_ttl_seconds,
        prefix=settings.redis_prefix,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.resolved_database_url)
        await db.migrate()
        app.state.db = db
        app.state.views = ViewCache()
        # Several nodes share Redis; without it everything stays in this process (#11).
        cluster = app.state.cluster = _cluster(settings)
        wired = start_live(db, settings, app.state.views, cluster)
        app.state.hub, app.state.publisher = wired.hub, wired.publisher
        app.state.round_plans = RoundPlans(db, app.state.hub, views=app.state.views)
        app.state.hub.on_refreshed = app.state.round_plans.notice
        app.state.previews = HostPreviews(app.state.hub)
        app.state.round_plans.on_plan = app.state.previews.on_plan
        affinity = app.state.notes_affinity = (
            RoomAffinity(cluster, ttl=settings.notes_lease_seconds, prefix=settings.redis_prefix)
            if cluster is not None
            else None
        )
        notes_rooms = app.state.notes = RoomServer(
            db,
            max_update_bytes=settings.notes_max_update_bytes,
            compact_after=settings.notes_compact_after,
            retry_for=settings.notes_retry_seconds,
            ownership=affinity,
            precheck=settings.notes_precheck,
        )
        control = app.state.notes_control = RoomControl(
            notes_rooms, db, app.state.hub.bus if cluster else None
        )
        control.start()
        # A removal or a mute closes the person's notes sockets once committed (publisher).
        wired.publisher.attach_notes(control)
        # A CRDT panic cuts its sender off and restarts this process (web/crdt_panic.py).
        panic_response = PanicResponse(db, notes_rooms)
        panic_response.install()
        heartbeat = asyncio.create_task(supervisor.heartbeat())
        if cluster is not None and affinity is not None:
            await cluster.start()
            affinity.start(notes_rooms)
        _tune_gc()
        log.info(
            "server_ready",
            database=db.dialect,
            base_url=settings.public_base_url,
            node=cluster.node_id if cluster else None,
        )
        retention = asyncio.create_task(_retention_loop(db))
        mail_worker = app.state.mail_worker = start_mail_worker(db, settings)
        try:
            yield
        finally:
            retention.cancel()
            heartbeat.cancel()
            panic_response.uninstall()
            if mail_worker is not None:
                await mail_worker.stop()
            await app.state.round_plans.close()
            await app.state.hub.close()
            if affinity is not None:
                await affinity.close(notes_rooms)
            await notes_rooms.close()
            await control.close()
            if cluster is not None:
                await cluster.close()
            await app.state.hub.bus.close()
            await db.dispose()

    app = FastAPI(
        title="Crossroads",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.templates = create_templates()
    app.state.rate_limits = RateLimits(
        login=settings.rate_limit_login,
        login_address=settings.rate_limit_login_address,
        join=settings.rate_limit_join,
        roster=settings.rate_limit_roster,
        invites=settings.rate_limit_invites,
        chat=settings.rate_limit_chat,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
    )
    app.state.call_config = call_config(settings)
    app.state.socket_counts = SocketCounts(settings.max_sockets_per_person)
    for error in (ConveningError, StoreError, LiveError, WebError):
        app.add_exception_handler(error, handle_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(DBAPIError, unstorable_text)
    app.include_router(accounts.router)
    app.include_router(host.router)
    app.include_router(participant.router)
    app.include_router(followup.router)
    app.include_router(preferences.router)
    app.include_router(privacy.router)
    app.include_router(live.router)
    app.include_router(notes.router)
    app.include_router(reflection.router)
    app.include_router(notes.socket_router)
    app.include_router(internal.router)
    app.include_router(mail.router)
    app.include_router(mail.public_router)
    app.include_router(venues.router)
    app.include_router(venues.socket_router)
    # Only static files are compressed: pages carry CSRF tokens next to user text, and
    # compressing those together is what BREACH-style attacks measure.
    app.mount(
        "/static",
        CacheHeaders(GZipMiddleware(StaticFiles(directory=STATIC_DIR), minimum_size=500)),
        name="static",
    )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    # Innermost first: bodies are counted inside the security headers and the language, so
    # a 413 page carries both.
    app.add_middleware(BodyLimit, idle_seconds=settings.body_timeout_seconds)
    app.add_middleware(SocketClaims)
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(
        SecurityMiddleware,
        secret_key=settings.resolved_secret_key,
        always_secure=settings.secure_cookies,
        public_base_url=settings.public_base_url,
    )
    return app
