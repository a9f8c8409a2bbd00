"""Accounts' own upstreams, read for many accounts at once: whether an account's route is real decides where its
webhook pushes may go (service.webhook_targets)."""

from __future__ import annotations

from .sql import Fetch, Op


def own_upstreams(account_ids: list[str]) -> Op[dict[str, tuple[str | None, str | None]]]:
    """account id -> (its own Kakao upstream URL, its own SMS upstream URL); None: the server's. Unknown ids are left
    out."""
    if not account_ids:
        return {}
    marks = ",".join("?" * len(account_ids))
    rows = yield Fetch(f"SELECT id, kakao_upstream, sms_upstream FROM accounts WHERE id IN ({marks})", account_ids)
    return {r["id"]: (r["kakao_upstream"], r["sms_upstream"]) for r in rows}
