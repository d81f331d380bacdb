"""One SMTP connection, kept open across messages and opened again after it broke.

Every failure becomes a ``SendFailed`` saying whether trying later may help: a 5xx reply to
the message or its recipient is final (the address is refused), anything else (4xx, the
connection dropped, a timeout, the server unreachable or refusing our login) is temporary.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

import aiosmtplib


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


class SendFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class SmtpSender:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    def _new_client(self) -> aiosmtplib.SMTP:
        config = self.config
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.user or None,
            password=config.password or None,
            timeout=config.timeout,
            use_tls=config.security == "tls",
            # None would upgrade whenever offered; "none" means plain text on purpose.
            start_tls=config.security == "starttls",
        )

    async def send(self, message: EmailMessage) -> None:
        try:
            if self._client is None or not self._client.is_connected:
                self._client = self._new_client()
                await self._client.connect()
            await self._client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusals = exc.recipients
            permanent = bool(refusals) and all(r.code >= 500 for r in refusals)
            detail = "; ".join(f"{r.code} {r.message}" for r in refusals)
            await self._reset()
            raise SendFailed(detail or "recipient refused", permanent=permanent) from exc
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPConnectError) as exc:
            # The server's whole answer to us, not to this message: later may work.
            await self.close()
            raise SendFailed(str(exc), permanent=False) from exc
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset()
            raise SendFailed(f"{exc.code} {exc.message}", permanent=exc.code >= 500) from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise SendFailed(str(exc) or type(exc).__name__, permanent=False) from exc

    async def _reset(self) -> None:
        """After a refused message the connection is usable once the transaction is reset."""
        client = self._client
        if client is None or not client.is_connected:
            return
        try:
            await client.rset()
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            await self.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            client.close()
