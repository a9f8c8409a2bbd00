"""Images uploaded for Sangdam replies: checked by their bytes (JPEG or PNG, at most 5 MB), kept by the gateway and
served at `<public URL>/media/<id>`, the address the IMAGE message carries."""

from __future__ import annotations

from ..store import media as store
from .context import Context
from .errors import InvalidRequest, NotFound

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# What a file's first bytes say it is: the type is never taken from the client's word.
SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def image_type(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


async def store_image(ctx: Context, account_id: str, data: bytes) -> str:
    """Keep an uploaded image; returns the public URL it is served at."""
    if not data:
        raise InvalidRequest([("image", "choose an image to send")])
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidRequest([("image", f"must be at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB")])
    kind = image_type(data)
    if kind is None:
        raise InvalidRequest([("image", "must be a JPEG or PNG image")])
    now = ctx.clock.now_ms()
    media_id = ctx.ids.message_id(now)
    await ctx.db.write(store.add(media_id, account_id, kind, data, now))
    return f"{ctx.public_url}/media/{media_id}"


async def image(ctx: Context, media_id: str) -> tuple[str, bytes]:
    found = await ctx.db.read(store.get(media_id))
    if found is None:
        raise NotFound("medium not found", "mediaId")
    return found
