"""Short links, their clicks, and the URL domains an account registered for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .reports import ReportDraft, add_reports
from .sql import Execute, Fetch, InsertMany, Op


@dataclass(frozen=True, slots=True)
class NewLink:
    code: str
    account_id: str
    domain: str
    url: str
    message_id: str
    bulk_id: str
    destination: str
    track: bool
    tracking_url: str | None
    callback_data: str | None
    entity_id: str | None
    application_id: str | None
    campaign_ref: str | None
    sent_at: int

    def row(self, now: int) -> tuple[Any, ...]:
        return (
            self.code,
            self.account_id,
            self.domain,
            self.url,
            self.message_id,
            self.bulk_id,
            self.destination,
            int(self.track),
            self.tracking_url,
            self.callback_data,
            self.entity_id,
            self.application_id,
            self.campaign_ref,
            self.sent_at,
            now,
        )


_COLUMNS = (
    "code",
    "account_id",
    "domain",
    "url",
    "message_id",
    "bulk_id",
    "destination",
    "track",
    "tracking_url",
    "callback_data",
    "entity_id",
    "application_id",
    "campaign_ref",
    "sent_at",
    "created_at",
)
_TYPES = (
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "int",
    "text",
    "text",
    "text",
    "text",
    "text",
    "bigint",
    "bigint",
)


def add_links(links: list[NewLink], now: int) -> Op[None]:
    if links:
        yield InsertMany("short_links", _COLUMNS, _TYPES, [link.row(now) for link in links])


def find_link(code: str) -> Op[dict[str, Any] | None]:
    rows = yield Fetch(f"SELECT {', '.join(_COLUMNS)} FROM short_links WHERE code = ?", (code,))
    return dict(zip(_COLUMNS, rows[0], strict=True)) if rows else None


def record_click(
    link: dict[str, Any], at: int, user_agent: str | None, device: str, client: str, event: dict[str, Any] | None
) -> Op[None]:
    """Store a click; with `event` (tracking on), also queue the click webhook on the report outbox."""
    yield Execute(
        "INSERT INTO clicks (code, account_id, clicked_at, user_agent, device, client) VALUES (?, ?, ?, ?, ?, ?)",
        (link["code"], link["account_id"], at, user_agent, device, client),
    )
    if event is not None:
        draft = ReportDraft(
            link["account_id"],
            "BRAND",
            link["message_id"],
            link["bulk_id"],
            link["entity_id"],
            link["application_id"],
            link["campaign_ref"],
            False,
            event,
            link["tracking_url"],
            "application/json",
            True,
            kind="click",
        )
        yield from add_reports([draft], at)


def click_stats(
    account_id: str, message_id: str | None, bulk_id: str | None, campaign_ref: str | None
) -> Op[list[dict[str, Any]]]:
    where = ["l.account_id = ?"]
    params: list[Any] = [account_id]
    for column, value in (("message_id", message_id), ("bulk_id", bulk_id), ("campaign_ref", campaign_ref)):
        if value is not None:
            where.append(f"l.{column} = ?")
            params.append(value)
    rows = yield Fetch(
        "SELECT l.url, COUNT(DISTINCT l.code), COUNT(c.seq), COUNT(DISTINCT CASE WHEN c.seq IS NOT NULL "
        "THEN l.destination END) FROM short_links l LEFT JOIN clicks c ON c.code = l.code "
        f"WHERE {' AND '.join(where)} GROUP BY l.url ORDER BY l.url",
        params,
    )
    return [{"url": r[0], "shortLinks": r[1], "clicks": r[2], "uniqueClickers": r[3]} for r in rows]


def add_domain(account_id: str, domain: str, now: int) -> Op[bool]:
    rows = yield Fetch("SELECT 1 FROM url_domains WHERE account_id = ? AND domain = ?", (account_id, domain))
    if rows:
        return False
    yield Execute(
        "INSERT INTO url_domains (account_id, domain, created_at) VALUES (?, ?, ?)", (account_id, domain, now)
    )
    return True


def list_domains(account_id: str) -> Op[list[tuple[str, int]]]:
    rows = yield Fetch("SELECT domain, created_at FROM url_domains WHERE account_id = ? ORDER BY domain", (account_id,))
    return [(r[0], r[1]) for r in rows]


def delete_domain(account_id: str, domain: str) -> Op[bool]:
    changed = yield Execute("DELETE FROM url_domains WHERE account_id = ? AND domain = ?", (account_id, domain))
    return bool(changed)


def purge_links(before: int, limit: int) -> Op[int]:
    """Delete up to `limit` short links created before `before`, oldest first, and their clicks (their redirects
    then answer 404). Both deletes walk indexes: links by creation time, clicks by code."""
    rows = yield Fetch("SELECT code FROM short_links WHERE created_at < ? ORDER BY created_at LIMIT ?", (before, limit))
    codes = [r[0] for r in rows]
    if not codes:
        return 0
    marks = ", ".join("?" * len(codes))
    yield Execute(f"DELETE FROM clicks WHERE code IN ({marks})", codes)
    deleted = yield Execute(f"DELETE FROM short_links WHERE code IN ({marks})", codes)
    return int(deleted)


def purge_clicks(before: int, limit: int) -> Op[int]:
    """Delete up to `limit` clicks recorded before `before`, oldest first."""
    deleted = yield Execute(
        "DELETE FROM clicks WHERE seq IN (SELECT seq FROM clicks WHERE clicked_at < ? ORDER BY clicked_at LIMIT ?)",
        (before, limit),
    )
    return int(deleted)
