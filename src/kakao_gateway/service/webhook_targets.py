"""The accept check of push targets: every webhook URL a request names must be one pushes may go to
(`domain.webhook_targets`); a refused one is a 400 violation at its path. Names are checked again, on the
addresses they resolve to, when the push connects (engine/transport.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..domain.webhook_targets import url_problem
from .context import Context
from .errors import InvalidRequest
from .sending import OutboundMessage

Target = tuple[str, str | None]  # (property path, URL or None)


def check_targets(ctx: Context, targets: Iterable[Target]) -> None:
    problems = []
    for path, url in targets:
        if url is None:
            continue
        problem = url_problem(url, ctx.webhook_allow_private)
        if problem is not None:
            problems.append((path, problem))
    if problems:
        raise InvalidRequest(problems)


def delivery_targets(messages: Sequence[OutboundMessage]) -> list[Target]:
    """Each message's `webhooks.delivery.url`, with its path."""
    return [
        (f"messages[{index}].webhooks.delivery.url", m.webhooks.delivery.url)
        for index, m in enumerate(messages)
        if m.webhooks is not None and m.webhooks.delivery is not None
    ]
