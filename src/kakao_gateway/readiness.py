"""Readiness: can this process do its work now? The database answers, its schema is the one this code ships,
the engine's duties run (when this process runs the engine), and every route has a connector (whose upstream's
health it reports).

Each check says what it found, so the answer names what failed. Nothing here writes, and each database question
is one cheap statement under a timeout, so a probe never waits long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from .connectors.base import Connector
from .connectors.registry import provider_of
from .engine.engine import Engine
from .store.database import Database
from .store.stats import head_revision, ping, schema_revision

DB_TIMEOUT_S = 2.0
STALE_AFTER_S = 120.0  # a duty that has not completed a step for this long is stuck (a slow upstream's limit: 2 x 60 s)


async def readiness(
    db: Database,
    engine: Engine | None,
    connectors: Mapping[str, Connector],
    routes: Iterable[str],
    breakers: Mapping[str, dict[str, Any]] | None = None,
) -> tuple[bool, dict[str, Any]]:
    """(ready, body): `engine` is None in a process that runs no engine (`serve --no-engine`)."""
    checks: dict[str, dict[str, Any]] = {}
    checks["database"] = await _database(db)
    checks["migrations"] = await _migrations(db) if checks["database"]["ok"] else {"ok": False, "error": "no database"}
    checks["engine"] = _engine(engine)
    checks["connectors"] = _connectors(connectors, routes, breakers or {})
    failed = [name for name, check in checks.items() if not check["ok"]]
    return not failed, {"status": "ready" if not failed else "not ready", "failed": failed, "checks": checks}


async def _database(db: Database) -> dict[str, Any]:
    try:
        ok = await asyncio.wait_for(db.read(ping()), DB_TIMEOUT_S)
    except TimeoutError:
        return {"ok": False, "error": f"no answer within {DB_TIMEOUT_S:g} s"}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": ok}


async def _migrations(db: Database) -> dict[str, Any]:
    head = head_revision()
    try:
        current = await asyncio.wait_for(db.read(schema_revision()), DB_TIMEOUT_S)
    except Exception as exc:
        return {"ok": False, "head": head, "error": f"{type(exc).__name__}: {exc}"[:300]}
    check: dict[str, Any] = {"ok": current == head, "database": current, "head": head}
    if current != head:
        check["error"] = "run `kakao-gateway migrate`" if current is not None else "the database was never migrated"
    return check


def _engine(engine: Engine | None) -> dict[str, Any]:
    if engine is None:
        return {"ok": True, "running": False}  # an API-only process: other processes run the engine
    duties: dict[str, dict[str, Any]] = {}
    for name, state in engine.duty_states().items():
        stale = state.last_step_s is None or state.last_step_s > STALE_AFTER_S
        duties[name] = {
            "ok": state.alive and not stale,
            "alive": state.alive,
            "lastStepSecondsAgo": None if state.last_step_s is None else round(state.last_step_s, 3),
            "failuresInARow": state.failures,
        }
    return {"ok": all(d["ok"] for d in duties.values()), "running": True, "duties": duties}


def _connectors(
    connectors: Mapping[str, Connector], routes: Iterable[str], breakers: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    """Every route needs a connector. An upstream that is down (an SMPP bind refused, an API key rejected, its
    circuit breaker open) shows in `upstreams` and `degraded` but does not make the process unready: its messages
    go to the next upstream of their list or wait for it, and the API, the other routes and the reports keep
    working."""
    bound = {route: route in connectors for route in routes}
    upstreams = {route: {**_health(connector), "family": _family(route)} for route, connector in connectors.items()}
    for route, breaker in breakers.items():
        if route in upstreams:
            upstreams[route] = {**upstreams[route], "breaker": breaker}
            if breaker["state"] != "CLOSED":
                upstreams[route]["ok"] = False
    return {
        "ok": all(bound.values()),
        "routes": {route: "bound" if ok else "unbound" for route, ok in bound.items()},
        "upstreams": upstreams,
        "degraded": sorted(route for route, health in upstreams.items() if not health.get("ok")),
    }


def _family(route: str) -> str | None:
    """Which hop a route serves ("kakao" or "sms"), as its provider declares; None for a route no provider declares."""
    provider = provider_of(route)
    return provider.family if provider is not None else None


def _health(connector: Connector) -> dict[str, Any]:
    try:
        return connector.health()
    except Exception as exc:  # a status page must not fail because one connector cannot say how it is
        return {"ok": False, "error": f"health check failed: {type(exc).__name__}"}
