"""A real SMSC for the SMPP tests: the smpp34 package's Server, programmed per test, behind a TCP gate.

The test decides how each submit_sm is answered (`policy`: a message id accepts, an int rejects with that
command_status, None holds it for the test to answer later), sends delivery receipts, and counts what is
outstanding. The gate forwards bytes untouched; it exists for what smpp34's Python Server cannot do: refuse a
bind (its binding accepts every bind, whatever the password) and drop connections abruptly mid-flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import smpp34

Answer = str | int | None
Policy = Callable[[smpp34.SubmitSmEvent], Answer]

HEADER = struct.Struct(">IIII")  # command_length, command_id, command_status, sequence_number
BIND_TRANSCEIVER = 0x00000009
ESME_RINVPASWD = 0x0000000E
GENERIC_RESP = 0x80000000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def receipt_text(smsc_id: str, stat: str, err: str = "000") -> bytes:
    """The receipt text of SMPP 3.4 appendix B."""
    return (
        f"id:{smsc_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} submit date:2611291300 "
        f"done date:2611291301 stat:{stat} err:{err} text:"
    ).encode()


@dataclass
class Gate:
    """A TCP gate in front of the SMSC: checks the bind's password, then pipes bytes both ways."""

    target_port: int
    password: str
    changed: Callable[[], None]  # called on every bind
    port: int = 0
    binds: int = 0
    refused: int = 0
    _server: asyncio.Server | None = None
    _links: set[asyncio.StreamWriter] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def drop(self) -> None:
        """Cuts every connection at once, as a network failure would (no unbind, PDUs in flight are lost)."""
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self.drop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.transport.abort()
            self._tasks.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        header = await reader.readexactly(HEADER.size)
        length, command_id, _, sequence = HEADER.unpack(header)
        body = await reader.readexactly(length - HEADER.size)
        pdu = smpp34.decode(header + body)
        assert isinstance(pdu, smpp34.RawPdu) and pdu.command_id == BIND_TRANSCEIVER, pdu
        self.binds += 1
        password = body.split(b"\0")[1].decode()
        if password != self.password:
            # SMPP 3.4 4.1.6: a failed bind's response is the header alone, its command_status saying why
            self.refused += 1
            self.changed()
            writer.write(HEADER.pack(HEADER.size, command_id | GENERIC_RESP, ESME_RINVPASWD, sequence))
            await writer.drain()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._links.update((writer, up_writer))
        up_writer.write(header + body)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.transport.abort()


class TestSmsc:
    """The SMSC a test talks to, at 127.0.0.1:`port` (through the gate)."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, password: str = "secret") -> None:
        self._server_port = free_port()
        self._server = smpp34.Server("127.0.0.1", self._server_port, system_id="TESTSMSC")
        self._changed = asyncio.Event()
        self.gate = Gate(self._server_port, password, self._changed.set)
        self.policy: Policy = self.accept_all
        self.submits: list[smpp34.SubmitSmEvent] = []
        self.held: list[smpp34.SubmitSmEvent] = []
        self.accepted: list[str] = []  # the message ids given, in order
        self.esmes: dict[str, smpp34.Esme] = {}
        self.outstanding = 0
        self.max_outstanding = 0
        self._task: asyncio.Task[None] | None = None
        self._ids = 0

    @property
    def port(self) -> int:
        return self.gate.port

    async def start(self) -> None:
        await self._server.start()
        await self.gate.start()
        self._task = asyncio.create_task(self._serve())

    async def stop(self) -> None:
        for esme in list(self.esmes.values()):
            with contextlib.suppress(smpp34.SmppError):
                await esme.unbind()
        await self.gate.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._server.stop()

    def accept_all(self, event: smpp34.SubmitSmEvent) -> Answer:
        self._ids += 1
        return f"smsc-{self._ids}"

    def answer(self, event: smpp34.SubmitSmEvent, answer: str | int) -> None:
        """Answers a held submit_sm: a message id accepts it, an int rejects it with that command_status."""
        if isinstance(answer, str):
            event.accept(answer)
            self.accepted.append(answer)
        else:
            event.reject(answer)
        self.outstanding -= 1
        if event in self.held:
            self.held.remove(event)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Until `condition()` holds, checked whenever the SMSC gets something."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def send_receipt(
        self, smsc_id: str, stat: str = "DELIVRD", err: str = "000", *, tlvs: bool = True, esm_class: int = 0x04
    ) -> None:
        """A deliver_sm receipt on the newest bind, with the text of appendix B (and the TLVs unless tlvs=False)."""
        states = {"DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5, "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8}
        extra = [
            smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, smsc_id.encode() + b"\0"),
            smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, bytes([states.get(stat, 1)])),
        ]
        await self.wait_for(lambda: bool(self.esmes))  # the client may see its bind before this server does
        esme = list(self.esmes.values())[-1]
        resp = await esme.deliver_sm(
            "15881234",
            receipt_text(smsc_id, stat, err),
            source_addr="821012345678",
            esm_class=esm_class,
            tlvs=extra if tlvs else [],
        )
        assert resp.is_success, resp

    async def _serve(self) -> None:
        while True:
            event = await self._server.next()
            if isinstance(event, smpp34.Esme):
                self.esmes[event.session_id] = event
            elif isinstance(event, smpp34.Unbound):
                self.esmes.pop(event.session_id, None)
            else:
                self._submitted(event)
            self._changed.set()

    def _submitted(self, event: smpp34.SubmitSmEvent) -> None:
        self.submits.append(event)
        self.outstanding += 1
        self.max_outstanding = max(self.max_outstanding, self.outstanding)
        answer = self.policy(event)
        if answer is None:
            self.held.append(event)
        else:
            self.answer(event, answer)
