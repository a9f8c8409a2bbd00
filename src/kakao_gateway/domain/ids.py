"""Identifiers: message and bulk ids, API keys and their hashes."""

from __future__ import annotations

import hashlib
import secrets
import uuid


def new_message_id() -> str:
    return str(uuid.uuid4())


def new_bulk_id() -> str:
    return str(uuid.uuid4())


def new_id() -> str:
    return uuid.uuid4().hex


def new_api_key() -> str:
    """A key shaped like Infobip's App keys: 32 hex characters, a dash and a UUID."""
    return f"{secrets.token_hex(16)}-{uuid.uuid4()}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
