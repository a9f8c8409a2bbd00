"""Identifiers: message and bulk ids, and the hashes of API keys.

Time-ordered ids take the instant from the caller and their random bits from an `IdSource` the caller owns, so
the domain reads neither the wall clock nor the operating system by itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

RandomBytes = Callable[[int], bytes]
POOL_BYTES = 65_536


class IdSource:
    """Random bits for ids from a pooled buffer: one call to `random` per 64 KiB instead of one per id."""

    def __init__(self, random: RandomBytes) -> None:
        self._random = random
        self._pool = bytearray()

    def _take(self, n: int) -> bytes:
        if len(self._pool) < n:
            self._pool = bytearray(self._random(max(POOL_BYTES, n)))
        taken = bytes(self._pool[:n])
        del self._pool[:n]
        return taken

    def message_ids(self, count: int, now_ms: int) -> list[str]:
        """Time-ordered UUIDs (version 7: 48-bit Unix milliseconds, then random bits). Ids of one moment sit
        together in the message index, so bulk inserts touch few index pages however large the table grows."""
        head = f"{now_ms & 0xFFFF_FFFF_FFFF:012x}"
        prefix = f"{head[:8]}-{head[8:12]}-7"
        pool = self._take(10 * count).hex()
        ids = []
        for i in range(count):
            r = pool[i * 20 : i * 20 + 20]
            variant = "89ab"[int(r[3], 16) & 3]
            ids.append(f"{prefix}{r[0:3]}-{variant}{r[4:7]}-{r[8:20]}")
        return ids

    def message_id(self, now_ms: int) -> str:
        return self.message_ids(1, now_ms)[0]

    def bulk_id(self, now_ms: int) -> str:
        return self.message_id(now_ms)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
