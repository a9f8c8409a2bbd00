"""Standard Webhooks signatures (https://www.standardwebhooks.com), as pure functions.

A secret is `whsec_` followed by the base64 of 24 to 64 random bytes; the signature of a push is
`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` under the secret's bytes, and a push signed
by several secrets (during a rotation) carries their signatures separated by spaces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
ROTATION_MS = 24 * 3600 * 1000  # a replaced secret keeps signing this long


def secret_bytes(secret: str) -> bytes:
    """The key of a `whsec_` secret; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"must start with {SECRET_PREFIX!r}")
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"must be {SECRET_PREFIX!r} followed by base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(f"must encode {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")
    return key


def format_secret(key: bytes) -> str:
    return SECRET_PREFIX + base64.b64encode(key).decode()


def signature(secrets: list[str], webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one `v1,` signature per secret, space-separated."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(secret_bytes(s), signed, hashlib.sha256).digest()).decode() for s in secrets
    )


def webhook_id(batch_id: str, seqs: list[int]) -> str:
    """The `webhook-id` of a push: derived from its batch's stored id and exactly the outbox rows it carries, so a
    retry of the same push has the same id, and two pushes with different contents never share one."""
    digest = hashlib.sha256(f"{batch_id}:{','.join(str(s) for s in sorted(seqs))}".encode()).hexdigest()
    return f"msg_{digest[:32]}"
