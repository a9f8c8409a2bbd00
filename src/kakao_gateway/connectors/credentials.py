"""A sender's upstream credentials: what a provider that keeps them per sender (NHN Cloud: an app key, a secret key
and the channel's sender key) needs to send for it. Stored encrypted (service/sender_credentials.py); here only the
clear shape, which hides every part from `repr`, so a log line or a traceback cannot leak them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SenderCredentials:
    """One sender's credentials: the project's app key, its secret key and the channel's sender key."""

    app_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    sender_key: str = field(repr=False)


# (account id, sender) -> the sender's credentials in the clear, or None (none stored, or unreadable)
CredentialLookup = Callable[[str, str], Awaitable[SenderCredentials | None]]
