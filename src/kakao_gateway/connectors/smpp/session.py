"""The SMPP session: bind as transceiver, keep the bind (reconnect with backoff), and read what the SMSC sends.

The smpp34 library does the protocol: framing, sequence numbers and enquire_link keep-alives (an unanswered
enquire_link ends the session, which we see as a disconnect and rebind). We own when to bind again and what a
failed bind looks like to an operator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import smpp34

from ...clock import Clock
from .config import SmppConfig

log = logging.getLogger(__name__)

DeliverHandler = Callable[[smpp34.DeliverSmEvent], None]


@dataclass
class BindState:
    bound: bool = False
    binds: int = 0
    last_error: str | None = None
    last_error_at: int | None = None
    lost: int = 0


class Session:
    """Keeps one transceiver bind up until closed. `smsc` is the bound session, or None while there is none."""

    def __init__(self, config: SmppConfig, clock: Clock, upstream: str, on_deliver: DeliverHandler) -> None:
        self._config = config
        self._clock = clock
        self._upstream = upstream
        self._on_deliver = on_deliver
        self.smsc: smpp34.Smsc | None = None
        self.state = BindState()
        self._client: smpp34.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._bound = asyncio.Event()
        self._tried = asyncio.Event()

    async def start(self) -> None:
        """Starts binding; returns after the first attempt, bound or not (a failed bind is retried)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"smpp {self._upstream}")
        await self._tried.wait()

    async def wait_bound(self, timeout: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._bound.wait(), timeout)
        return self._bound.is_set()

    async def close(self) -> None:
        self._tried.set()  # a start() still waiting returns
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        smsc, self.smsc = self.smsc, None
        if smsc is not None:
            with contextlib.suppress(smpp34.SmppError):
                await smsc.unbind()
        await self._stop_client()
        self._set_bound(False)

    async def _run(self) -> None:
        failures = 0
        while True:
            smsc = await self._bind()
            self._tried.set()
            if smsc is None:
                failures += 1
                await asyncio.sleep(self._backoff(failures))
                continue
            failures = 0
            await self._read(smsc)
            await asyncio.sleep(self._config.reconnect_min)

    def _backoff(self, failures: int) -> float:
        return float(min(self._config.reconnect_min * 2 ** (failures - 1), self._config.reconnect_max))

    async def _bind(self) -> smpp34.Smsc | None:
        c = self._config
        try:
            self._client = smpp34.Client(
                c.host,
                c.port,
                c.system_id,
                c.password,
                bind_type="TRX",
                system_type=c.system_type,
                window_size=c.window,
                connect_timeout_ms=round(c.bind_timeout * 1000),
            )
            smsc = await self._client.connect()
        except Exception as e:  # any failure is a failed bind, retried; the loop must not die
            self._bind_failed(str(e) or type(e).__name__)
            await self._stop_client()
            return None
        self.smsc = smsc
        self.state.binds += 1
        self._set_bound(True)
        log.info("SMPP bound to %s as %s (transceiver)", self._upstream, c.system_id)
        return smsc

    def _bind_failed(self, reason: str) -> None:
        if reason == "bind timed out":
            # smpp34 reports a refused bind (e.g. ESME_RINVPASWD) the same way as an unanswered one
            reason = f"bind timed out: no bind_resp within {self._config.bind_timeout:g} s, or the bind was refused"
            reason += " (check system_id, password and system_type)"
        self.state.last_error = reason
        self.state.last_error_at = self._clock.now_ms()
        log.warning("SMPP bind to %s as %s failed: %s", self._upstream, self._config.system_id, reason)

    async def _read(self, smsc: smpp34.Smsc) -> None:
        """Hands every deliver_sm to the connector until the session ends, then clears it."""
        try:
            while not isinstance(event := await smsc.next(), smpp34.Disconnected):
                self._deliver(event)
        except smpp34.SmppError as e:
            log.warning("SMPP session to %s failed: %s", self._upstream, e)
        self.smsc = None
        self.state.lost += 1
        self._set_bound(False)
        await self._stop_client()
        log.warning("SMPP session to %s ended; binding again", self._upstream)

    def _deliver(self, event: smpp34.DeliverSmEvent) -> None:
        try:
            self._on_deliver(event)
        except Exception:  # one bad deliver_sm must not end the session
            log.exception("SMPP deliver_sm from %s could not be handled", self._upstream)

    def _set_bound(self, bound: bool) -> None:
        self.state.bound = bound
        if bound:
            self._bound.set()
        else:
            self._bound.clear()

    async def _stop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(smpp34.SmppError, RuntimeError):
                await client.stop()
