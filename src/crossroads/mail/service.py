"""The mail worker as the app runs it: built from the settings, on the real clock."""

from __future__ import annotations

from datetime import UTC, datetime

from crossroads.convenings.invitations import InviteLinks
from crossroads.mail.smtp import SmtpConfig, SmtpSender
from crossroads.mail.worker import MailWorker, WorkerConfig
from crossroads.settings import Settings
from crossroads.store.database import Database


def _utc_now() -> datetime:
    return datetime.now(UTC)


def start_mail_worker(db: Database, settings: Settings) -> MailWorker | None:
    """A started worker when an SMTP server is set; without one, mail stays queued."""
    if not settings.smtp_host:
        return None
    sender = SmtpSender(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
    )
    worker = MailWorker(
        db,
        sender,
        InviteLinks(base_url=settings.public_base_url, secret_key=settings.resolved_secret_key),
        WorkerConfig(
            node_id=settings.resolved_node_id,
            from_address=settings.smtp_from,
            lease_seconds=settings.mail_lease_seconds,
            max_attempts=settings.mail_max_attempts,
        ),
        clock=_utc_now,
    )
    worker.start()
    return worker
