"""The Sangdam duty: closes sessions past their inactivity timeout (each sends the business an EXPIRED_SESSION)
and forwards inbound messages to the outbox, in order per session (store/sangdam_forwarding.py)."""

from __future__ import annotations

import logging
import os

from ..clock import Clock
from ..domain.ids import IdSource
from ..store.database import Database
from ..store.sangdam_forwarding import forward, has_work
from ..store.sangdam_sessions import expire_sessions

log = logging.getLogger(__name__)

EXPIRE_BATCH = 1000
FORWARD_BATCH = 5000  # inbound messages a step may send to the outbox
BODY_SIZE = 100  # inbound messages per webhook body


class SangdamDuty:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.ids = IdSource(os.urandom)

    async def step(self) -> int:
        now = self.clock.now_ms()
        if not await self.db.read(has_work(now)):
            return 0
        expired = await self.db.write(expire_sessions(now, EXPIRE_BATCH, lambda n: self.ids.message_ids(n, now)))
        if expired:
            log.info("%d Sangdam sessions expired", expired)
        forwarded = await self.db.write(forward(now, FORWARD_BATCH, BODY_SIZE))
        return expired + forwarded
