"""The `crossroads` command: serve, migrate, create-host, demo, harvest (and pair, from pairing)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from crossroads.commands import harvest, pair
from crossroads.convenings.errors import ConveningError
from crossroads.log import configure_logging, uvicorn_log_config
from crossroads.settings import Settings
from crossroads.store.errors import StoreError

app = typer.Typer(
    help="Crossroads: online community calls for coalitions.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code=2)


def _serve(settings: Settings) -> None:
    import uvicorn

    from crossroads import supervisor
    from crossroads.web.app import create_app
    from crossroads.web.http_protocol import GuardedHttpProtocol, raise_open_files_limit
    from crossroads.websocket_frames import FramesProtocol

    configure_logging(settings.log_level, json=settings.log_json)
    raise_open_files_limit()  # before the connection cap is derived from it
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=uvicorn_log_config(),
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        ws_max_size=1024 * 1024,
        # No permessage-deflate: with zlib's defaults each socket holds ~256 KB of compressor
        # state, and compressing every live view was a third of a 2,000-person round start
        # (bench/round_fanout.py). Views are ~1 KB; notes updates are small binary diffs.
        ws_per_message_deflate=False,
        # uvicorn's sans-io protocol, letting notes rooms write one framed update to every
        # connection (websocket_frames.py).
        ws=FramesProtocol,
        # Slow or endless headers, idle keep-alives and too many connections are closed
        # (web/http_protocol.py; #26).
        http=GuardedHttpProtocol.bounded(
            header_timeout=settings.header_timeout_seconds,
            max_header_bytes=settings.max_header_bytes,
            max_connections=settings.resolved_max_connections,
        ),
        timeout_keep_alive=settings.keep_alive_seconds,
        limit_concurrency=settings.resolved_max_connections,
    )
    server = uvicorn.Server(config)
    supervisor.set_stopper(lambda: setattr(server, "should_exit", True))
    # Under `serve`'s supervisor the listening socket is inherited (kept open across restarts).
    inherited = supervisor.inherited_socket()
    server.run(sockets=[inherited] if inherited is not None else None)
    if supervisor.restart_requested():
        # A CRDT panic (notes/crdt_guard.py): this process's memory is not trusted; the
        # supervisor starts a fresh one, which rebuilds the rooms from the durable log.
        raise SystemExit(supervisor.EXIT_RESTART)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    supervise: Annotated[
        bool,
        typer.Option(
            help="Run the server in a child process that is replaced when it asks to be "
            "(after a CRDT panic) or stops answering (docs/notes-protocol.md)."
        ),
    ] = True,
) -> None:
    """Run the web server (migrates the database first)."""
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]  # pydantic-settings init kwargs
    if settings.redis_url and not settings.secret_key:
        # A key generated per data folder would differ per node: every token signed by one
        # node (sessions' CSRF, notes, node-to-node passes) would fail on the others.
        raise _fail("set CROSSROADS_SECRET_KEY: nodes sharing CROSSROADS_REDIS_URL must share it")
    from crossroads import supervisor

    if supervise and supervisor.ENV_LISTEN_FD not in os.environ:
        # The child is this same command, told not to supervise (and given the socket).
        child = [sys.executable, "-m", "crossroads.cli", "serve", "--no-supervise"]
        child += ["--host", settings.host, "--port", str(settings.port)]
        raise typer.Exit(
            supervisor.supervise(
                child, settings.host, settings.port, stall_after=settings.watchdog_seconds
            )
        )
    _serve(settings)


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    from crossroads.store.database import Database

    settings = Settings()

    async def run() -> None:
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    typer.echo("Database is up to date.")


@app.command("apply-retention")
def apply_retention() -> None:
    """Delete participants' personal data from calls whose series' retention period has
    passed (run it daily, e.g. from cron; the server also runs it every hour)."""
    from crossroads.convenings.series import apply_retention as apply
    from crossroads.store.database import Database

    settings = Settings()

    async def run() -> int:
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
            return await apply(db, now=datetime.now(UTC))
        finally:
            await db.dispose()

    try:
        erased = asyncio.run(run())
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"Deleted the personal data of {erased} participant(s).")


@app.command("create-host")
def create_host(
    email: Annotated[str, typer.Option(help="The host's email, used to log in.")],
    name: Annotated[str, typer.Option(help="The host's name as shown in pages.")],
) -> None:
    """Create a host account. The password is read from CROSSROADS_HOST_PASSWORD or asked for."""
    from crossroads.convenings import hosts
    from crossroads.store.database import Database

    password = os.environ.get("CROSSROADS_HOST_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    settings = Settings()

    async def run() -> None:
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
            await hosts.create_host(
                db, email=email, display_name=name, password=password, now=datetime.now(UTC)
            )
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except (ConveningError, StoreError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"Host account created for {email}.")


@app.command()
def backup(
    destination: Annotated[Path, typer.Argument(help="File to write the backup to.")],
) -> None:
    """Back up the database while the server runs (SQLite online backup, or pg_dump)."""
    from crossroads.store.backup import backup_database

    try:
        backup_database(Settings().resolved_database_url, destination)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"Backup written to {destination}.")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="Backup file made by `crossroads backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the current database without asking.")
    ] = False,
) -> None:
    """Replace the database with a backup. Stop the server first."""
    from crossroads.store.backup import restore_database

    if not yes:
        typer.confirm("This replaces the current database. Go on?", abort=True)
    try:
        restore_database(Settings().resolved_database_url, source)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"Database restored from {source}.")


@app.command()
def demo(
    data_dir: Annotated[
        Path, typer.Option(help="Folder for the demo database (recreated on every run).")
    ] = Path("data/demo"),
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on (default: CROSSROADS_HOST, else 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            help="Port to listen on (default: CROSSROADS_PORT, else the port of a local "
            "CROSSROADS_PUBLIC_BASE_URL, else 8000)."
        ),
    ] = None,
    setup_only: Annotated[
        bool, typer.Option("--setup-only", help="Create the demo data and exit without serving.")
    ] = False,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate/--no-simulate",
            help="Connect the sample participants as simulated people, so rounds have partners.",
        ),
    ] = True,
) -> None:
    """Create a demo convening with sample participants, print its links, and serve it."""
    from crossroads.convenings.invitations import InviteLinks
    from crossroads.demo import DemoLinks, create_demo
    from crossroads.store.database import Database

    try:
        host, port, base_url = demo_address(host, port, Settings())
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if data_dir.exists():
        shutil.rmtree(data_dir)
    settings = Settings(data_dir=data_dir, host=host, port=port, public_base_url=base_url)
    links = InviteLinks(base_url=base_url, secret_key=settings.resolved_secret_key)
    # Invitations go to a local SMTP server that prints them (#31), never out to the world.
    from crossroads.mail.demo_sink import start_demo_sink

    sink_port = None if setup_only else start_demo_sink()
    if sink_port is not None:
        settings = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": sink_port, "smtp_security": "none"}
        )

    async def run() -> DemoLinks:
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
            return await create_demo(db, links)
        finally:
            await db.dispose()

    made = asyncio.run(run())
    typer.echo("")
    typer.echo("Crossroads demo is ready.")
    typer.echo(f"  Host link:      {made.host_login_url}")
    typer.echo(f"  Host email:     {made.host_email}")
    typer.echo(f"  Host password:  {made.host_password}")
    typer.echo(f"  Shared invite:  {made.shared_invite_url}")
    for name, url in made.personal_invite_urls:
        typer.echo(f"  Participant link for {name}: {url}")
    typer.echo(
        f"  Reflection note: {made.reflection_url} (drafted from the sample notes; edit, "
        "publish and export it, or regenerate it after your rounds)"
    )
    if simulate and not setup_only:
        from crossroads.simulate import start_in_background

        start_in_background(
            base_url,
            made.public_id,
            made.simulated_sessions,
            notes_tokens=made.notes_tokens,
            prompt_ids=made.prompt_ids,
        )
        typer.echo(
            f"  {len(made.simulated_sessions)} simulated participants join the live call: log in "
            "as the host, open the host console and start a round."
        )
    if sink_port is not None:
        typer.echo(
            f"  Mail goes to a local SMTP server on port {sink_port}: each message is printed "
            "below as it is sent (the roster's invitations first)."
        )
    typer.echo("")
    if setup_only:
        return
    _serve(settings)


_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}  # noqa: S104  compared, never bound


def demo_address(host: str | None, port: int | None, env: Settings) -> tuple[str, int, str]:
    """Where the demo listens and the base of the links it prints, made to agree (#26).

    The links use CROSSROADS_PUBLIC_BASE_URL when set (a proxy may stand in front), else
    the address listened on. The port is ``--port``, else CROSSROADS_PORT, else the port of a
    base URL on this machine, else 8000. A base URL on this machine naming another port than
    the one listened on would print links that point nowhere: refused, saying which to change.
    """
    from urllib.parse import urlsplit

    given = env.model_fields_set
    host = host or (env.host if "host" in given else "127.0.0.1")
    base = env.public_base_url.rstrip("/") if "public_base_url" in given else None
    link = urlsplit(base) if base else None
    local = link is not None and (link.hostname in _LOCAL_HOSTS or link.hostname == host)
    link_port = (link.port or (443 if link.scheme == "https" else 80)) if link else None
    if port is None:
        port = env.port if "port" in given else (link_port if local and link_port else 8000)
    if local and link_port != port:
        raise ValueError(
            f"CROSSROADS_PUBLIC_BASE_URL is {base}, but the demo would listen on port {port} "
            "(--port or CROSSROADS_PORT): its links would point nowhere. Make the two agree."
        )
    return host, port, base or f"http://{host}:{port}"


pair.register(app)
harvest.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
