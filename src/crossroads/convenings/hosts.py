"""Host accounts: first-run setup, the CLI's create-host, and login."""

from __future__ import annotations

from datetime import datetime

from crossroads.convenings.errors import FieldInvalid, LoginFailed, SetupClosed
from crossroads.convenings.passwords import hash_password, verify_dummy, verify_password
from crossroads.messages import N_
from crossroads.store import hosts as host_store
from crossroads.store.database import Database
from crossroads.store.records import HostRecord
from crossroads.text_input import UnsafeText, clean_line

MIN_PASSWORD_LENGTH = 10


def _check_new_host(email: str, display_name: str, password: str) -> tuple[str, str]:
    try:
        email = clean_line(email).lower()
    except UnsafeText:
        raise FieldInvalid("email", N_("Enter a valid email address.")) from None
    try:
        display_name = clean_line(display_name)
    except UnsafeText as exc:
        raise FieldInvalid("display_name", exc.message) from None
    if "@" not in email or len(email) > 320:
        raise FieldInvalid("email", N_("Enter a valid email address."))
    if not display_name or len(display_name) > 120:
        raise FieldInvalid("display_name", N_("Enter a name of 1 to 120 characters."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldInvalid(
            "password", N_("Use at least {n} characters for the password."), n=MIN_PASSWORD_LENGTH
        )
    return email, display_name


async def create_host(
    db: Database, *, email: str, display_name: str, password: str, now: datetime
) -> HostRecord:
    email, display_name = _check_new_host(email, display_name, password)
    password_hash = await hash_password(password)  # before the transaction: it holds a connection
    async with db.transaction() as tx:
        return await host_store.insert_host(
            tx, email=email, display_name=display_name, password_hash=password_hash, now=now
        )


async def needs_setup(db: Database) -> bool:
    async with db.transaction() as tx:
        return await host_store.count_hosts(tx) == 0


async def create_first_host(
    db: Database, *, email: str, display_name: str, password: str, now: datetime
) -> HostRecord:
    """The first-visit setup page: allowed only while no host exists."""
    email, display_name = _check_new_host(email, display_name, password)
    if not await needs_setup(db):
        raise SetupClosed("a host account already exists")
    password_hash = await hash_password(password)
    async with db.transaction() as tx:
        if await host_store.count_hosts(tx) > 0:
            raise SetupClosed("a host account already exists")
        return await host_store.insert_host(
            tx, email=email, display_name=display_name, password_hash=password_hash, now=now
        )


async def authenticate_host(db: Database, *, email: str, password: str) -> HostRecord:
    # The verify runs between two short transactions: held across it, every login in the
    # hashing pool's queue would hold a database connection too.
    try:
        address = clean_line(email).lower()
    except UnsafeText:  # a NUL byte cannot even be looked up on PostgreSQL
        address = None
    found = None
    if address is not None:
        async with db.transaction() as tx:
            found = await host_store.find_host_credentials(tx, address)
    if found is None:
        await verify_dummy(password)
        raise LoginFailed("wrong email or password")
    host, password_hash = found
    valid, updated = await verify_password(password, password_hash)
    if not valid:
        raise LoginFailed("wrong email or password")
    if updated is not None:
        async with db.transaction() as tx:
            await host_store.update_password_hash(tx, host.id, updated)
    return host
