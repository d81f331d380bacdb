"""Node-to-node endpoints (#11): what this node holds, for its peers, tests and benchmarks.

Only a caller with a peer pass for ``status`` (an HMAC under the shared secret, see
notes/tokens.py) gets an answer; anyone else gets the 404 of an unknown page, so the
endpoint is invisible from outside even where the load balancer forwards ``/internal/``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from crossroads.notes import tokens
from crossroads.store.errors import NotFound

router = APIRouter()

PEER_HEADER = "x-crossroads-peer"
STATUS_ROOM = "status"  # what a status pass is signed for: it opens no notes room


@router.get("/internal/status", include_in_schema=False)
async def node_status(request: Request) -> dict[str, Any]:
    state = request.app.state
    secret = state.settings.resolved_secret_key
    if tokens.verify_peer(secret, request.headers.get(PEER_HEADER, ""), STATUS_ROOM) is None:
        raise NotFound("page")
    cluster, affinity = state.cluster, state.notes_affinity
    rooms = state.notes.rooms
    return {
        "node": cluster.node_id if cluster is not None else None,
        "live_connections": state.hub.connection_count(),
        "notes_rooms": sorted(rooms),
        "notes_connections": sum(len(r.connections) for r in rooms.values()),
        "notes_proxied": affinity.proxied if affinity is not None else 0,
        "notes_proxied_total": affinity.proxied_total if affinity is not None else 0,
        "notes_commits": state.notes.writer.batches,  # since the start: bench/notes.py
    }
