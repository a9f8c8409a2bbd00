"""Secrets and opaque ids from the operating system's random source (kept out of the pure domain)."""

from __future__ import annotations

import secrets
import uuid


def new_id() -> str:
    return uuid.uuid4().hex


def new_api_key() -> str:
    """A key shaped like Infobip's App keys: 32 hex characters, a dash and a UUID."""
    return f"{secrets.token_hex(16)}-{uuid.uuid4()}"
