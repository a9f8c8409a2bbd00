"""Senders' upstream credentials, encrypted at rest with the server's secret key (`secret_key` setting).

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a key derived from the secret key with HKDF, so any
long random string serves as the secret key. The clear credentials exist only in memory: never in the database,
never in a log line (SenderCredentials hides them from repr), never in an API answer.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..connectors.credentials import SenderCredentials
from ..store import catalog
from ..store import sender_credentials as store
from ..store.database import Database
from .context import Context
from .errors import InvalidRequest, NotFound

SETTING = "secret_key (KAKAO_GATEWAY_SECRET_KEY or [gateway] secret_key in the TOML file)"
MIN_SECRET_LENGTH = 16


class SecretBox:
    """Encrypts and decrypts credentials with the server's secret key."""

    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(f"the secret key must have at least {MIN_SECRET_LENGTH} characters")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kakao-gateway sender credentials")
        self._fernet = Fernet(base64.urlsafe_b64encode(derived.derive(secret_key.encode())))

    def seal(self, creds: SenderCredentials) -> str:
        clear = json.dumps({"appKey": creds.app_key, "secretKey": creds.secret_key, "senderKey": creds.sender_key})
        return self._fernet.encrypt(clear.encode()).decode()

    def open(self, ciphertext: str) -> SenderCredentials | None:
        """None when the ciphertext was sealed with another secret key (or is damaged)."""
        try:
            clear = json.loads(self._fernet.decrypt(ciphertext.encode()))
        except (InvalidToken, ValueError):
            return None
        return SenderCredentials(clear["appKey"], clear["secretKey"], clear["senderKey"])


def box_of(secret_key: str | None) -> SecretBox | None:
    return SecretBox(secret_key) if secret_key else None


def _require(box: SecretBox | None) -> SecretBox:
    if box is None:
        raise InvalidRequest(
            [("secretKey", f"the server has no secret key to encrypt credentials with: set {SETTING}")]
        )
    return box


async def put_credentials(
    ctx: Context, box: SecretBox | None, account_id: str, sender: str, creds: SenderCredentials
) -> dict[str, Any]:
    sealed = _require(box).seal(creds)
    if sender not in await ctx.db.read(catalog.sender_names(account_id, [sender])):
        raise NotFound(f"sender {sender!r} is not registered", "sender")
    await ctx.db.write(store.put(account_id, sender, sealed, ctx.clock.now_ms()))
    return {"sender": sender, "credentials": "SET"}


async def delete_credentials(ctx: Context, account_id: str, sender: str) -> dict[str, Any]:
    if not await ctx.db.write(store.delete(account_id, sender)):
        raise NotFound(f"sender {sender!r} has no upstream credentials", "sender")
    return {"sender": sender, "credentials": "NONE"}


async def get_credentials(
    db: Database, box: SecretBox | None, account_id: str, sender: str
) -> SenderCredentials | None:
    """A sender's credentials in the clear (for the connector); None when none are stored or they cannot be read."""
    if box is None:
        return None
    sealed = await db.read(store.get(account_id, sender))
    return box.open(sealed) if sealed is not None else None


async def senders_with_credentials(ctx: Context, account_id: str) -> list[str]:
    return await ctx.db.read(store.senders_with(account_id))
