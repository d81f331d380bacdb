"""Errors raised by the live layer; ``web/errors.py`` maps each to a status and a close code.

LiveError
 └── ClusterUnavailable  the state the nodes share (Redis) could not be read or written
"""

from __future__ import annotations


class LiveError(Exception):
    code = "live_error"


class ClusterUnavailable(LiveError):
    """Redis is away (restarting, unreachable): what other nodes hold is unknown for now."""

    code = "cluster_unavailable"
