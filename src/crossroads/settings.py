"""One table of settings, read from ``CROSSROADS_*`` environment variables.

Every field carries a description; ``tests/unit/test_settings.py`` checks that each one is
documented in ``docs/configuration.md`` so the table there stays complete.
"""

from __future__ import annotations

import secrets
import socket
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CROSSROADS_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the SQLite database and the generated secret key.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy async URL. Defaults to a SQLite file `crossroads.db` in the data folder; "
            "use `postgresql+asyncpg://...` for several nodes."
        ),
    )
    secret_key: str | None = Field(
        default=None,
        description=(
            "Secret for signing. Generated on first run and kept in `<data_dir>/secret_key` "
            "when unset; set it explicitly when running several nodes."
        ),
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL people reach the server at; used in invite links and the .ics file.",
    )
    host: str = Field(default="127.0.0.1", description="Interface `crossroads serve` listens on.")
    port: int = Field(default=8000, description="Port `crossroads serve` listens on.")
    secure_cookies: bool = Field(
        default=False,
        description=(
            "Always mark cookies Secure. Without it they are Secure whenever the request came "
            "over https, directly or as told by a trusted proxy's `X-Forwarded-Proto`."
        ),
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description=(
            "Comma-separated addresses of reverse proxies whose `X-Forwarded-Proto` and "
            "`X-Forwarded-For` headers are believed (uvicorn's `forwarded_allow_ips`)."
        ),
    )
    header_timeout_seconds: float = Field(
        # Apache's mod_reqtimeout allows 20 s at least; a browser's preconnected socket may
        # sit unused for several seconds before it carries a request.
        default=20.0,
        gt=0,
        description=(
            "Seconds a connection has, from opening or from the first byte of its next "
            "request, to send complete request headers; slower ones are closed."
        ),
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds a request body may go without a byte arriving while it is read; a stalled "
            "one gets 408 and its connection is closed."
        ),
    )
    keep_alive_seconds: int = Field(
        default=5,
        ge=1,
        description=(
            "Seconds an idle keep-alive connection stays open (uvicorn's `timeout_keep_alive`)."
        ),
    )
    max_header_bytes: int = Field(
        default=64 * 1024,
        ge=4096,
        description=(
            "Largest request line and headers accepted, in bytes; larger get 431 and are closed."
        ),
    )
    max_connections: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Open connections (HTTP and WebSocket) `crossroads serve` holds at once; past it new "
            "requests get 503 and new connections are closed unread. Default: the process's "
            "open-files limit less 100 (924 under a limit of 1,024)."
        ),
    )
    max_sockets_per_person: int = Field(
        default=8,
        ge=1,
        description=(
            "Live sockets, and notes sockets, one person (participant or host) may hold at once "
            "on one node; a further one is closed with code 4429."
        ),
    )
    session_days: int = Field(
        default=14, description="How long a login or participant session lasts."
    )
    invite_days: int = Field(
        default=30, description="How long a newly created invite link stays valid, in days."
    )
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    log_json: bool = Field(default=False, description="Write logs as JSON lines instead of text.")
    rate_limit_login: str = Field(
        default="10/minute",
        description="Login attempts allowed per client address and email (`limits` notation).",
    )
    rate_limit_login_address: str = Field(
        default="20/minute",
        description=(
            "Login attempts allowed per client address, whatever the email "
            "(`limits` notation): stops one address spraying many accounts."
        ),
    )
    rate_limit_join: str = Field(
        default="30/minute", description="Joins allowed per client address (`limits` notation)."
    )
    rate_limit_roster: str = Field(
        default="20/hour", description="Roster uploads allowed per host (`limits` notation)."
    )
    rate_limit_invites: str = Field(
        default="30/hour",
        description=(
            "Invite creations (shared link renewals, roster uploads, next calls of a series) "
            "allowed per host (`limits` notation)."
        ),
    )
    max_roster_rows: int = Field(default=20000, description="Largest roster CSV accepted, in rows.")
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis URL shared by several nodes: the live event bus, who is connected where, "
            "which node owns each notes room. Unset: one node, everything in process."
        ),
    )
    redis_prefix: str = Field(
        default="crossroads:",
        description=(
            "Prefix of every Redis key and channel, so several deployments can share one Redis."
        ),
    )
    node_id: str | None = Field(
        default=None,
        description=(
            "This node's name among several (with `CROSSROADS_REDIS_URL`). Defaults to "
            "`<hostname>:<port>`. Behind nginx, name each node as its `server` line in the "
            "notes upstream (e.g. `app1:8000`): notes rooms are then owned by the node nginx "
            "sends them to, and proxying between nodes is rare (see docs/deploy.md)."
        ),
    )
    internal_url: str | None = Field(
        default=None,
        description=(
            "Where the other nodes reach this one, for notes connections they pass on to "
            "the room's owner. Defaults to `http://<node id>`."
        ),
    )
    node_ttl_seconds: float = Field(
        default=5.0,
        ge=0.5,
        description=(
            "How long a node counts as alive without a heartbeat (it beats every third of "
            "this). A killed node's people leave the presence lists after about this long."
        ),
    )
    notes_lease_seconds: float = Field(
        default=5.0,
        ge=0.5,
        description=(
            "How long a node's claim on a notes room lasts unless renewed (every third of "
            "this): the longest a room stays unreachable after its owner is killed."
        ),
    )
    wrap_up_seconds: int = Field(
        default=60,
        ge=0,
        description="Grace period after a round's time is up, shown as 'time to wrap up'.",
    )
    notes_max_update_bytes: int = Field(
        default=512 * 1024,
        ge=1024,
        description="Largest shared-notes update accepted; a bigger one closes that socket.",
    )
    notes_compact_after: int = Field(
        default=500,
        ge=2,
        description="Updates in a room's log before it is merged into one snapshot.",
    )
    notes_retry_seconds: float = Field(
        default=20.0,
        ge=0,
        # Below the 30 s of silence after which y-websocket clients reconnect on their own.
        le=25,
        description=(
            "How long the notes writer retries a batch while the database is unavailable (a "
            "PostgreSQL restart takes a few seconds); meanwhile its writers wait for their "
            "acknowledgements, then their sockets close (1011) and clients resend on reconnect."
        ),
    )
    notes_precheck: bool = Field(
        default=True,
        description=(
            "Check each shared-notes update's structure before the CRDT engine sees it (client "
            "ids, clocks, lengths; notes/update_check.py). Turn off only to test what happens "
            "when the engine panics: the sender is cut off (4422) and the server restarts."
        ),
    )
    watchdog_seconds: float = Field(
        default=30.0,
        ge=2,
        description=(
            "`serve` replaces its server process when the process's event loop has not beaten "
            "for this long (native code spinning, e.g. a CRDT engine loop; docs/notes-protocol.md)."
        ),
    )
    partner_grace_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a disconnected person keeps their group before re-pairing partners.",
    )

    call_mode: Literal["builtin", "jitsi", "external"] = Field(
        default="builtin",
        description=(
            "Where groups talk: `builtin` (browser call, chat as last resort), `jitsi` (a room per "
            "group on `CROSSROADS_JITSI_URL`) or `external` (the host runs Zoom breakouts from "
            "the pre-assignment CSV)."
        ),
    )
    stun_urls: str = Field(
        default="",
        description=(
            "Comma-separated STUN URLs for built-in calls, e.g. `stun:stun.example.org:3478`."
        ),
    )
    turn_urls: str = Field(
        default="",
        description=(
            "Comma-separated TURN URLs for built-in calls, e.g. "
            "`turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349`."
        ),
    )
    turn_secret: str | None = Field(
        default=None,
        description=(
            "coturn's `static-auth-secret`: participants get time-limited TURN credentials "
            "derived from it (see docs/turn.md)."
        ),
    )
    turn_ttl_seconds: int = Field(
        default=4 * 3600,
        ge=60,
        description="How long a TURN credential stays valid, in seconds.",
    )
    jitsi_url: str = Field(
        default="https://meet.jit.si",
        description="Base URL of the Jitsi server used when the call mode is `jitsi`.",
    )
    jitsi_app_id: str | None = Field(
        default=None,
        description="Jitsi app id (`app_id` of its token auth); with the secret, rooms get a JWT.",
    )
    jitsi_app_secret: str | None = Field(
        default=None,
        description="Jitsi app secret (`app_secret`), used to sign the room JWT (HS256).",
    )
    rate_limit_chat: str = Field(
        default="20/minute",
        description="Group chat messages allowed per participant (`limits` notation).",
    )

    smtp_host: str | None = Field(
        default=None,
        description=(
            "SMTP server invitations and reminders are sent through. Unset: no mail is sent "
            "(hosts copy the personal links by hand)."
        ),
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description=(
            "`starttls` (upgrade the plain connection, usually port 587), `tls` (TLS from the "
            "first byte, usually port 465) or `none` (a trusted relay on loopback only)."
        ),
    )
    smtp_user: str | None = Field(default=None, description="SMTP login, if the server needs one.")
    smtp_password: str | None = Field(default=None, description="SMTP password for the login.")
    smtp_from: str = Field(
        default="Crossroads <crossroads@localhost>",
        description="From address of invitations and reminders, e.g. `Calls <calls@example.org>`.",
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="How long one SMTP command may take before it is retried."
    )
    reminder_minutes: list[int] = Field(
        default=[1440, 15],
        description=(
            "When reminders go out, in minutes before the call, as JSON (`[1440, 15]`: a day "
            "and a quarter of an hour before; `[]` for none). Whole days count in the call's "
            "own time zone, so a reminder a day before keeps its local hour across a clock change."
        ),
    )
    mail_max_attempts: int = Field(
        default=8,
        ge=1,
        description=(
            "Tries per message on temporary failures (connection lost, 4xx replies), with "
            "exponential back-off from 30 s, before it is shown to the host as failed."
        ),
    )
    mail_lease_seconds: float = Field(
        default=120.0,
        ge=5,
        description=(
            "How long a node holds the messages it took before another node may send them "
            "(a node that died mid-send)."
        ),
    )

    @cached_property
    def resolved_max_connections(self) -> int:
        """The connection cap: the setting, else the open-files limit less 100 for the
        database, log and notes files (an fd per connection beyond that fails anyway)."""
        if self.max_connections is not None:
            return self.max_connections
        try:
            import resource

            soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        except (ImportError, ValueError, OSError):  # not POSIX
            return 1000
        if soft == resource.RLIM_INFINITY:
            return 100_000
        return max(soft - 100, 50)

    @cached_property
    def resolved_node_id(self) -> str:
        return self.node_id or f"{socket.gethostname()}:{self.port}"

    @cached_property
    def resolved_internal_url(self) -> str:
        return (self.internal_url or f"http://{self.resolved_node_id}").rstrip("/")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'crossroads.db').resolve()}"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured secret, else the one kept in the data folder (created once)."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret_key"
        if not path.exists():
            # Written with O_EXCL so two processes starting together agree on one key.
            try:
                with path.open("x", encoding="utf-8") as fh:
                    fh.write(secrets.token_urlsafe(48))
                path.chmod(0o600)
            except FileExistsError:
                pass
        return path.read_text(encoding="utf-8").strip()
