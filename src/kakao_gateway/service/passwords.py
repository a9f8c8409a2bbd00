"""Password hashes: scrypt (a slow, memory-hard KDF from the standard library) with a random salt per password,
stored as `scrypt$N$r$p$salt$hash` (hex) so the cost can be raised later without breaking stored hashes.

Each hash or check costs tens of milliseconds of CPU and 16 MiB of memory: callers run it off the event loop."""

from __future__ import annotations

import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
MAX_MEMORY = 64 * 1024 * 1024
# Checked against when the username is unknown, so an unknown user costs as much time as a wrong password.
_DUMMY = f"scrypt${N}${R}${P}${'00' * SALT_BYTES}${'00' * HASH_BYTES}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=HASH_BYTES)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${N}${R}${P}${salt.hex()}${_scrypt(password, salt, N, R, P).hex()}"


def check_password(password: str, stored: str | None) -> bool:
    """Whether `password` is the one `stored` was made from; None (no such user) costs the same and is False."""
    try:
        kind, n, r, p, salt, digest = (stored or _DUMMY).split("$")
        found = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return kind == "scrypt" and stored is not None and hmac.compare_digest(found, bytes.fromhex(digest))
