"""The live flow's domain pieces, built from the settings when the app starts.

live/wiring.py assembles bus, hub and publisher; this module hands it what only the web
layer knows: the settings, the request-independent translations and the clock.
"""

from __future__ import annotations

from datetime import timedelta

from crossroads.convenings import presence
from crossroads.convenings.calls import CallConfig
from crossroads.convenings.live_views import Translate, ViewCache
from crossroads.live.bus import create_bus
from crossroads.live.calls import CallMode, split_urls
from crossroads.live.hub import ClusterPresence
from crossroads.live.publisher import Events
from crossroads.live.wiring import Live, create_live
from crossroads.settings import Settings
from crossroads.store.database import Database
from crossroads.web import i18n
from crossroads.web.auth import utc_now
from crossroads.web.venue_live import HybridViews


def call_config(settings: Settings) -> CallConfig:
    """The call settings as the use cases take them (see docs/configuration.md)."""
    return CallConfig(
        mode=CallMode(settings.call_mode),
        stun_urls=tuple(split_urls(settings.stun_urls)),
        turn_urls=tuple(split_urls(settings.turn_urls)),
        turn_secret=settings.turn_secret,
        turn_ttl=timedelta(seconds=settings.turn_ttl_seconds),
        jitsi_url=settings.jitsi_url,
        jitsi_app_id=settings.jitsi_app_id,
        jitsi_app_secret=settings.jitsi_app_secret,
        room_secret=settings.resolved_secret_key,
    )


def gettext_for(language: str) -> Translate:
    return i18n.translations_for(language).gettext


def start_live(
    db: Database, settings: Settings, views: ViewCache, cluster: ClusterPresence | None = None
) -> Live:
    grace = timedelta(seconds=settings.wrap_up_seconds)

    async def depart(events: Events, convening_id: int, participant_id: int) -> None:
        await presence.depart(db, events, participant_id, convening_id, now=utc_now(), grace=grace)

    hub_views = HybridViews(  # the hub's views, with venues' tables and projectors (#32)
        db,
        grace=grace,
        translations=gettext_for,
        clock=utc_now,
        call_config=call_config(settings),
        views=views,
    )
    return create_live(
        create_bus(settings.redis_url, prefix=settings.redis_prefix),
        views=hub_views,
        depart=depart,
        departure_grace=settings.partner_grace_seconds,
        cluster=cluster,
    )
