"""Media: uploaded images by id (migration 0032)."""

from __future__ import annotations

from .sql import Execute, Fetch, Op


def add(media_id: str, account_id: str, content_type: str, body: bytes, now: int) -> Op[None]:
    yield Execute(
        "INSERT INTO media (id, account_id, content_type, size, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (media_id, account_id, content_type, len(body), body, now),
    )


def get(media_id: str) -> Op[tuple[str, bytes] | None]:
    """The content type and bytes of a medium."""
    rows = yield Fetch("SELECT content_type, body FROM media WHERE id = ?", (media_id,))
    return (rows[0]["content_type"], bytes(rows[0]["body"])) if rows else None
