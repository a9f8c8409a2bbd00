"""Webhook destinations as hosts: the key pushes are limited by (host:port, not the whole URL: a receiver with 300
paths is one receiver) and a back-off per host that keeps a dead one from holding push slots.

A host backs off after `threshold` connection failures or timeouts in a row (an HTTP answer, whatever its status,
shows the host is alive and resets the count): no post goes to it for `first_ms`, doubling at each back-off in a
row up to `max_ms`. When the back-off ends the next posts try again; their failures back it off again, longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str:
    """`host:port` of a push URL (the scheme's port when none is given); the URL itself if it cannot be read."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return url
    return f"{parts.hostname or ''}:{port}"


@dataclass(slots=True)
class _Health:
    failures: int = 0  # connection failures in a row
    backoffs: int = 0  # back-offs in a row
    until: int = 0  # backed off before this instant (ms)


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    threshold: int = 3
    first_ms: int = 30_000
    max_ms: int = 600_000


class HostBackoff:
    def __init__(self, policy: BackoffPolicy | None = None) -> None:
        self.policy = policy or BackoffPolicy()
        self._hosts: dict[str, _Health] = {}

    def backed_off_until(self, host: str, now: int) -> int | None:
        """The instant the host's back-off ends, or None when posts may go to it now."""
        health = self._hosts.get(host)
        return health.until if health is not None and now < health.until else None

    def succeeded(self, host: str) -> None:
        self._hosts.pop(host, None)

    def failed(self, host: str, now: int) -> None:
        """A connection to the host failed or timed out: back it off after `threshold` in a row."""
        health = self._hosts.setdefault(host, _Health())
        health.failures += 1
        if health.failures >= self.policy.threshold and now >= health.until:
            health.failures = 0
            health.backoffs += 1
            health.until = now + min(self.policy.max_ms, self.policy.first_ms * 2 ** min(health.backoffs - 1, 20))
