"""Host accounts: first-run setup, the CLI's create-host, and login."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from pwdlib import PasswordHash

from crossroads.convenings.errors import FieldInvalid, LoginFailed, SetupClosed
from crossroads.messages import N_
from crossroads.store import hosts as host_store
from crossroads.store.database import Database
from crossroads.store.records import HostRecord

_passwords = PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password. Made on first use: hashing costs every process start ~150 ms otherwise."""
    return _passwords.hash("not-a-real-password")


MIN_PASSWORD_LENGTH = 10


def _check_new_host(email: str, display_name: str, password: str) -> tuple[str, str]:
    email = email.strip().lower()
    display_name = display_name.strip()
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
    async with db.transaction() as tx:
        return await host_store.insert_host(
            tx,
            email=email,
            display_name=display_name,
            password_hash=_passwords.hash(password),
            now=now,
        )


async def needs_setup(db: Database) -> bool:
    async with db.transaction() as tx:
        return await host_store.count_hosts(tx) == 0


async def create_first_host(
    db: Database, *, email: str, display_name: str, password: str, now: datetime
) -> HostRecord:
    """The first-visit setup page: allowed only while no host exists."""
    email, display_name = _check_new_host(email, display_name, password)
    async with db.transaction() as tx:
        if await host_store.count_hosts(tx) > 0:
            raise SetupClosed("a host account already exists")
        return await host_store.insert_host(
            tx,
            email=email,
            display_name=display_name,
            password_hash=_passwords.hash(password),
            now=now,
        )


async def authenticate_host(db: Database, *, email: str, password: str) -> HostRecord:
    async with db.transaction() as tx:
        found = await host_store.find_host_credentials(tx, email.strip().lower())
        if found is None:
            _passwords.verify(password, _dummy_hash())
            raise LoginFailed("wrong email or password")
        host, password_hash = found
        valid, updated = _passwords.verify_and_update(password, password_hash)
        if not valid:
            raise LoginFailed("wrong email or password")
        if updated is not None:
            await host_store.update_password_hash(tx, host.id, updated)
        return host
