"""Identifiers: message and bulk ids, API keys and their hashes."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import uuid

_pool = bytearray()


def _random_bytes(n: int) -> bytes:
    """Random bytes from a pooled buffer: one os.urandom call per 64 KiB instead of one per id."""
    global _pool
    if len(_pool) < n:
        _pool = bytearray(os.urandom(max(65_536, n)))
    taken = bytes(_pool[:n])
    del _pool[:n]
    return taken


def new_message_ids(count: int, now_ms: int | None = None) -> list[str]:
    """Time-ordered UUIDs (version 7: 48-bit Unix milliseconds, then random bits). Ids of one moment sit together
    in the message index, so bulk inserts touch few index pages however large the table grows."""
    millis = (time.time_ns() // 1_000_000 if now_ms is None else now_ms) & 0xFFFF_FFFF_FFFF
    head = f"{millis:012x}"
    prefix = f"{head[:8]}-{head[8:12]}-7"
    pool = _random_bytes(10 * count).hex()
    ids = []
    for i in range(count):
        r = pool[i * 20 : i * 20 + 20]
        variant = "89ab"[int(r[3], 16) & 3]
        ids.append(f"{prefix}{r[0:3]}-{variant}{r[4:7]}-{r[8:20]}")
    return ids


def new_message_id() -> str:
    return new_message_ids(1)[0]


def new_bulk_id() -> str:
    return new_message_id()


def new_id() -> str:
    return uuid.uuid4().hex


def new_api_key() -> str:
    """A key shaped like Infobip's App keys: 32 hex characters, a dash and a UUID."""
    return f"{secrets.token_hex(16)}-{uuid.uuid4()}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
