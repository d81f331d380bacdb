"""The app's route table as (method, path) pairs, for suites that must cover every route."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.routing import APIRoute, APIWebSocketRoute

from crossroads.web.app import create_app


def app_routes() -> set[tuple[str, str]]:
    """Every (method, path) the app serves ("WS" for sockets), however routers are nested."""

    def walk(routes: list[object], prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            if isinstance(route, APIRoute):
                for method in route.methods:
                    yield method, prefix + route.path
            elif isinstance(route, APIWebSocketRoute):
                yield "WS", prefix + route.path
            elif hasattr(route, "original_router"):  # FastAPI >= 0.165 keeps includes lazy
                inner = route.original_router.routes
                yield from walk(inner, prefix + route.include_context.prefix)
            elif hasattr(route, "path") and hasattr(route, "endpoint"):
                for method in getattr(route, "methods", None) or {"GET"}:
                    yield method, prefix + route.path

    return set(walk(list(create_app().routes), ""))
