"""Accounts' upstream settings: their own Kakao and SMS upstreams (NULL: the server's) and the default sender of
their SMS hops. Upstream URLs hold credentials: the API never returns them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from .sql import Execute, Fetch, Op


@dataclass(frozen=True, slots=True)
class SmsSettings:
    default_sender: str | None = None
    upstream: str | None = None


def get_sms_settings(account_id: str) -> Op[SmsSettings | None]:
    rows = yield Fetch("SELECT sms_sender, sms_upstream FROM accounts WHERE id = ?", (account_id,))
    if not rows:
        return None
    return SmsSettings(rows[0]["sms_sender"], rows[0]["sms_upstream"])


def get_kakao_upstream(account_id: str) -> Op[tuple[bool, str | None]]:
    """(the account exists, its own Kakao upstream URL or None)."""
    rows = yield Fetch("SELECT kakao_upstream FROM accounts WHERE id = ?", (account_id,))
    return (True, rows[0]["kakao_upstream"]) if rows else (False, None)


def put_sms_sender(account_id: str, sender: str | None) -> Op[bool]:
    changed = yield Execute("UPDATE accounts SET sms_sender = ? WHERE id = ?", (sender, account_id))
    return bool(changed)


def put_upstream(account_id: str, kind: str, upstream: str | None) -> Op[bool]:
    """Set an account's own `kind` ("sms" or "kakao") upstream URL, as a list of one; None returns it to the
    server's."""
    return (yield from put_upstreams(account_id, kind, [upstream] if upstream is not None else []))


def account_upstreams(kind: str) -> Op[list[str]]:
    """Every `kind` upstream URL an account has of its own, preferred or not (each process builds a connector for
    each)."""
    column, fallbacks = _COLUMNS[kind]
    rows = yield Fetch(f"SELECT DISTINCT {column} AS url, {fallbacks} AS more FROM accounts WHERE {column} IS NOT NULL")
    urls: dict[str, None] = {}
    for r in rows:
        urls[r["url"]] = None
        urls.update(dict.fromkeys(_decoded(r["more"])))
    return list(urls)


_COLUMNS = {"sms": ("sms_upstream", "sms_fallbacks"), "kakao": ("kakao_upstream", "kakao_fallbacks")}


def _decoded(text: str | None) -> list[str]:
    return [str(u) for u in json.loads(text)] if text else []


def put_upstreams(account_id: str, kind: str, urls: Sequence[str]) -> Op[bool]:
    """Set an account's own ordered `kind` upstreams (first = preferred); none returns it to the server's."""
    column, fallbacks = _COLUMNS[kind]
    first = urls[0] if urls else None
    more = json.dumps(list(urls[1:])) if len(urls) > 1 else None
    changed = yield Execute(
        f"UPDATE accounts SET {column} = ?, {fallbacks} = ? WHERE id = ?", (first, more, account_id)
    )
    return bool(changed)


def get_upstreams(account_id: str, kind: str) -> Op[tuple[bool, list[str]]]:
    """(the account exists, its own `kind` upstream URLs in order; empty: the server's)."""
    column, fallbacks = _COLUMNS[kind]
    rows = yield Fetch(f"SELECT {column} AS url, {fallbacks} AS more FROM accounts WHERE id = ?", (account_id,))
    if not rows:
        return False, []
    url = rows[0]["url"]
    return True, ([url, *_decoded(rows[0]["more"])] if url else [])


def upstream_lists(account_ids: Sequence[str]) -> Op[dict[str, tuple[list[str], list[str]]]]:
    """account id -> (its own Kakao upstream URLs, its own SMS upstream URLs), each in order; empty: the server's.
    One primary-key read for all of them."""
    if not account_ids:
        return {}
    marks = ",".join("?" * len(account_ids))
    rows = yield Fetch(
        f"SELECT id, kakao_upstream, kakao_fallbacks, sms_upstream, sms_fallbacks FROM accounts WHERE id IN ({marks})",
        tuple(account_ids),
    )
    lists: dict[str, tuple[list[str], list[str]]] = {}
    for r in rows:
        kakao = [r["kakao_upstream"], *_decoded(r["kakao_fallbacks"])] if r["kakao_upstream"] else []
        sms = [r["sms_upstream"], *_decoded(r["sms_fallbacks"])] if r["sms_upstream"] else []
        lists[r["id"]] = (kakao, sms)
    return lists
