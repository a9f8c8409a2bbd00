"""Identifiers: message and bulk ids, API keys and their hashes."""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid


def _uuid4_text(h: str) -> str:
    # Random UUID v4 text from 32 random hex digits: about 10x faster than str(uuid.uuid4()), which matters for
    # bulks of tens of thousands of destinations.
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[0:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


def new_message_ids(count: int) -> list[str]:
    pool = os.urandom(16 * count).hex()
    return [_uuid4_text(pool[i * 32 : i * 32 + 32]) for i in range(count)]


def new_message_id() -> str:
    return new_message_ids(1)[0]


def new_bulk_id() -> str:
    return str(uuid.uuid4())


def new_id() -> str:
    return uuid.uuid4().hex


def new_api_key() -> str:
    """A key shaped like Infobip's App keys: 32 hex characters, a dash and a UUID."""
    return f"{secrets.token_hex(16)}-{uuid.uuid4()}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
