"""structlog set-up shared by the server and the CLI, and uvicorn's logs without secrets."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

import structlog

# Secrets that travel in URLs: invite links (/join/<token>) and the notes socket's token
# (?token=...). uvicorn logs every request's path and query: whoever reads the logs could
# otherwise join as an invited person, or open their notes room, for as long as it is valid.
_SECRETS = re.compile(r"(/join/|[?&]token=)[^/?&#\s\"]+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _SECRETS.sub(rf"\1{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """A handler filter: the URL secrets of a record's message and arguments replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with ``RedactSecrets`` on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": RedactSecrets}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_secrets")
    return config


def configure_logging(level: str = "info", *, json: bool = False) -> None:
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json
        # Plain tracebacks: rich's highlighted ones cost ~100 ms each, and a burst of errors
        # (say, thousands of sockets failing at once) must not hold up the server.
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=True,
    )
