"""Errors raised by the use cases; ``web/errors.py`` maps each to a status and a page.

ConveningError
 ├── FieldInvalid        a submitted field breaks a rule (field, message)
 ├── RosterRowInvalid    a roster CSV row is malformed (line, field, message)
 ├── InviteNotFound      unknown, expired or revoked invite link
 ├── LoginFailed         wrong email or password
 ├── SetupClosed         the first-run setup was already done
 ├── PasswordCheckBusy   too many password checks queued: try again in a moment
 └── NotAllowed          the requester may not do this
      ├── ConveningLocked the hosts locked the convening: no new joins
      ├── RemovedFromConvening a host removed this person: no link lets them back in
      ├── NotInGroup      a call message or chat line for someone outside one's group
      └── TooManyMessages a person's chat went over the rate limit
Store errors (NotFound, Conflict, StoreUnavailable) pass through unchanged.
"""

from __future__ import annotations

from crossroads.csv_reading import CsvProblem


class ConveningError(Exception):
    code = "convening_error"


class FieldInvalid(ConveningError):
    """``message`` is a translatable template (marked ``N_``) filled from ``params``."""

    code = "field_invalid"

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(f"{field}: {message.format(**params)}")
        self.field = field
        self.message = message
        self.params = params


class PasswordCheckBusy(ConveningError):
    code = "password_check_busy"


class RosterRowInvalid(ConveningError, CsvProblem):
    """The shared CSV reader's problem (``line``, ``column``, a translatable ``message`` template
    filled from ``params``) as the use cases raise it; the row checks of ``roster.py`` too."""

    code = "roster_row_invalid"

    @property
    def field(self) -> str:
        return self.column


class InviteNotFound(ConveningError):
    code = "invite_not_found"


class LoginFailed(ConveningError):
    code = "login_failed"


class SetupClosed(ConveningError):
    code = "setup_closed"


class NotAllowed(ConveningError):
    code = "not_allowed"


class PreviewChanged(NotAllowed):
    """Start named a preview (#29) that is no longer what would be written."""

    code = "preview_changed"


class ConveningLocked(NotAllowed):
    code = "convening_locked"


class RemovedFromConvening(NotAllowed):
    """A person a host removed tried a link again (same browser, same e-mail or their own
    personal link): refused, and the hosts are shown the attempt."""

    code = "removed_from_convening"


class NotInGroup(NotAllowed):
    """Signalling or chat addressed outside the sender's current group: refused, dropped."""

    code = "not_in_group"


class TooManyMessages(NotAllowed):
    code = "rate_limited"
