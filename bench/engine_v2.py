"""Delivery-engine benchmarks (issue 7 "Proof"): the same script measures the engine before and after its rebuild.

Every subcommand takes `--project DIR`, a checkout with its own venv (`DIR/.venv/bin/kakao-gateway`), so one copy
of this file benchmarks any tree. All traffic stays on 127.0.0.1; every gateway process runs under `timeout` and is
stopped at the end; PostgreSQL databases are created fresh (never `test`, which the test suite wipes) and dropped.

  e2e        accept -> sandbox -> final report -> webhook at a local receiver, for N messages sent in bulks of
             10,000 destinations; SQLite (one `serve`) or PostgreSQL (`serve --no-engine` + W `worker`s); two
             rounds on the same database, each counted by its own callbackData. Between rounds (PostgreSQL)
             `ANALYZE` runs; a round cut short by --max-seconds is then drained (bounded by
             --drain-seconds, its rate reported as `e2e-drain`) so the next round starts on an idle engine.
  idle       SQLite: server CPU over 30 s and single-send POST latency, empty and with 1,000,000 messages
             scheduled a day ahead.
  isolation  dispatch latency of fresh messages (POST -> report at a fast receiver) while other messages'
             webhooks go to a slow (5 s), a black-hole (accepts, never answers) or a closed port.
             With --failover every message fails on Kakao (not a user) and is delivered by the sandbox SMSC: the
             SMS failover path, two hops per message, one final report.
  record     time to record 500 final outcomes (claim 500 due rows, then record them) on SQLite and PostgreSQL.

Usage: python bench/engine_v2.py <subcommand> --project /path/to/tree [options]; `--help` on each.
Each subcommand prints progress on stderr and one JSON result per run on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

KEY = "bench-engine-v2-0123456789abcdef0123"
TEXT = "Hello Jimin, your order 1234 has shipped."
PG_BASE = "postgresql://postgres@127.0.0.1:5432"
BULK = 10_000
FAILOVER_TO = "821000000002"  # sandbox: not a KakaoTalk user, gets its SMS
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result), flush=True)


# ---------------------------------------------------------------------------------------------------------------
# processes, CPU, databases


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Proc:
    name: str
    wrapper: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        """The gateway process itself (the child of `timeout`)."""
        try:
            children = Path(f"/proc/{self.wrapper.pid}/task/{self.wrapper.pid}/children").read_text().split()
        except OSError:
            return self.wrapper.pid
        return int(children[0]) if children else self.wrapper.pid

    def stop(self) -> None:
        if self.wrapper.poll() is None:
            self.wrapper.terminate()  # timeout forwards SIGTERM to the gateway
            try:
                self.wrapper.wait(15)
            except subprocess.TimeoutExpired:
                self.wrapper.kill()
                self.wrapper.wait()

    def errors(self) -> list[str]:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [line for line in text.splitlines() if "ERROR" in line or "Traceback" in line][:5]


@dataclass
class Project:
    root: Path
    work: Path
    procs: list[Proc] = field(default_factory=list)

    @property
    def gateway(self) -> str:
        return str(self.root / ".venv/bin/kakao-gateway")

    @property
    def python(self) -> str:
        return str(self.root / ".venv/bin/python")

    def describe(self) -> dict[str, Any]:
        try:
            commit = subprocess.run(
                ["git", "-C", str(self.root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
            ).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(self.root), "diff", "--quiet", "HEAD", "--", "src"]).returncode
        except OSError:
            commit, dirty = "?", 0
        return {"project": str(self.root), "commit": commit + (" + uncommitted src" if dirty else "")}

    def start(
        self,
        name: str,
        args: list[str],
        cpus: str | None = None,
        limit_s: int = 1800,
        env: dict[str, str] | None = None,
    ) -> Proc:
        cmd = ["timeout", str(limit_s), self.gateway, *args]
        if cpus is not None:
            cmd = ["taskset", "-c", cpus, *cmd]
        log_path = self.work / f"{name}.log"
        out = log_path.open("wb")
        full_env = {**os.environ, "KAKAO_GATEWAY_API_KEY": KEY, **(env or {})}
        wrapper = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        proc = Proc(name, wrapper, log_path)
        self.procs.append(proc)
        return proc

    def serve(self, url: str, port: int, *extra: str, cpus: str | None = None) -> Proc:
        args = ["serve", "--demo", "--host", "127.0.0.1", "--port", str(port), "--database-url", url]
        proc = self.start(f"serve-{port}", [*args, "--log-level", "warning", *extra], cpus)
        wait_healthy(proc, port)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
            for line in proc.errors():
                log(f"  [{proc.name}] {line}")
        self.procs.clear()


def wait_healthy(proc: Proc, port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.wrapper.poll() is not None:
            raise SystemExit(f"{proc.name} exited:\n{proc.log_path.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"{proc.name} not healthy after {timeout_s} s")


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def fresh_pg(name: str) -> str:
    if name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to use database {name!r}")
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    return f"{PG_BASE}/{name}"


def drop_pg(name: str) -> None:
    if name not in ("test", "postgres", "template0", "template1"):
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_cpu_settles(pids: list[int], quiet_s: float = 1.0, timeout_s: float = 120) -> None:
    """Wait until the processes use < 5 % of a core for `quiet_s` (the engine drained what it had)."""
    deadline = time.monotonic() + timeout_s
    last = sum(cpu_seconds(p) for p in pids)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = sum(cpu_seconds(p) for p in pids)
        if now - last < 0.05 * quiet_s:
            return
        last = now


@contextlib.contextmanager
def project_session(args: argparse.Namespace) -> Iterator[Project]:
    root = Path(args.project).resolve()
    if not Path(root / ".venv/bin/kakao-gateway").exists():
        raise SystemExit(f"{root}/.venv/bin/kakao-gateway not found (make the venv first)")
    work = Path(tempfile.mkdtemp(prefix="kg-engine-v2."))
    project = Project(root, work)
    try:
        yield project
    finally:
        project.stop_all()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def machine() -> dict[str, Any]:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), "?")
    return {"nproc": os.cpu_count(), "cpu": model, "loadavg": Path("/proc/loadavg").read_text().split()[:3]}


# ---------------------------------------------------------------------------------------------------------------
# the webhook receiver: a minimal HTTP/1.1 server (keep-alive, Content-Length bodies) on asyncio


class Receiver:
    """Counts `results` entries; keeps the first arrival time (perf_counter) of each messageId.

    mode `ok` answers 200 at once, `slow` after `delay` seconds, `blackhole` reads the request and never answers."""

    def __init__(self, mode: str = "ok", delay: float = 0.0) -> None:
        self.mode = mode
        self.delay = delay
        self.count = 0
        self.requests = 0
        self.first_seen: dict[str, float] = {}
        self.by_tag: dict[str, int] = {}  # results per callbackData (each e2e round sends its own)
        self.last_at = 0.0
        self.tag_last: dict[str, float] = {}
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> Receiver:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: _ReceiverProtocol(self), "127.0.0.1", 0, backlog=1024)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dlr"

    def on_body(self, body: bytes) -> None:
        self.requests += 1
        now = time.perf_counter()
        try:
            results = json.loads(body).get("results", [])
        except ValueError:
            return
        self.count += len(results)
        self.last_at = now
        for r in results:
            self.first_seen.setdefault(r.get("messageId", ""), now)
            tag = r.get("callbackData") or ""
            self.by_tag[tag] = self.by_tag.get(tag, 0) + 1
            self.tag_last[tag] = now

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


class _ReceiverProtocol(asyncio.Protocol):
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            match = _CONTENT_LENGTH.search(self.buffer, 0, end)
            length = int(match.group(1)) if match else 0
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            self.receiver.on_body(body)
            if self.receiver.mode == "blackhole":
                continue
            if self.receiver.mode == "slow":
                asyncio.get_running_loop().call_later(self.receiver.delay, self._answer)
            else:
                self._answer()

    def _answer(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_OK)


def closed_port() -> int:
    """A port nothing listens on (bound once to pick it, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------------------------------------------
# request bodies


def destination(n: int) -> str:
    return f"8210{20_000_000 + n % 80_000_000:08d}"  # valid Korean mobiles, clear of the sandbox's magic numbers


def bulk_body(
    first: int,
    count: int,
    webhook: str | None,
    send_at: str | None = None,
    message_ids: list[str] | None = None,
    bulk_id: str | None = None,
    callback_data: str | None = None,
    failover: bool = False,
) -> bytes:
    destinations: list[dict[str, str]] = []
    for i in range(count):
        d = {"to": FAILOVER_TO if failover else destination(first + i)}
        if message_ids is not None:
            d["messageId"] = message_ids[i]
        destinations.append(d)
    message: dict[str, Any] = {
        "sender": "DEMO-SENDER",
        "destinations": destinations,
        "content": {"type": "TEMPLATE", "templateCode": "DEMO_ORDER", "text": TEXT},
    }
    if failover:
        message["options"] = {"smsFailover": {"text": "Your order 1234 has shipped.", "sender": "0215881234"}}
    if webhook is not None:
        message["webhooks"] = {"delivery": {"url": webhook}}
        if callback_data is not None:
            message["webhooks"]["callbackData"] = callback_data
    body: dict[str, Any] = {"messages": [message]}
    schedule: dict[str, Any] = {}
    if send_at is not None:
        schedule["sendAt"] = send_at
    if bulk_id is not None:
        schedule["bulkId"] = bulk_id
    if schedule:
        body["options"] = {"schedule": schedule}
    return json.dumps(body).encode()


async def post(client: httpx.AsyncClient, body: bytes) -> float:
    start = time.perf_counter()
    response = await client.post("/kakao-alim/1/messages", content=body, headers={"Content-Type": "application/json"})
    if response.status_code != 200:
        raise SystemExit(f"POST answered {response.status_code}: {response.text[:500]}")
    return time.perf_counter() - start


def api_client(port: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"App {KEY}"}, timeout=httpx.Timeout(600.0)
    )


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": round(ordered[-1], 2), "n": len(values)}


def pin_self(cpus: set[int] | None) -> None:
    if cpus is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)


# ---------------------------------------------------------------------------------------------------------------
# 1. end-to-end throughput


async def e2e_round(
    port: int,
    receiver: Receiver,
    messages: int,
    first: int,
    tag: str,
    pids: list[int],
    max_seconds: float,
    failover: bool = False,
) -> dict[str, Any]:
    """POST `messages` destinations in bulks of 10,000 (callbackData `tag`); time until the last report arrives.
    With `failover`, each goes to a sandbox number that is no KakaoTalk user and gets its SMS: two hops each."""
    bodies = [
        bulk_body(first + i, min(BULK, messages - i), receiver.url, callback_data=tag, failover=failover)
        for i in range(0, messages, BULK)
    ]
    cpu_before = {p: cpu_seconds(p) for p in pids}
    busy_before = machine_busy()
    timeline: list[tuple[float, int]] = []
    async with api_client(port) as client:
        t0 = time.perf_counter()
        for body in bodies:
            await post(client, body)
        accepted = time.perf_counter() - t0
    deadline = t0 + max_seconds
    last = t0
    while receiver.by_tag.get(tag, 0) < messages and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
        if time.perf_counter() - last >= 1:
            last = time.perf_counter()
            timeline.append((round(last - t0, 1), receiver.by_tag.get(tag, 0)))
    got = receiver.by_tag.get(tag, 0)
    elapsed = (receiver.tag_last[tag] if got >= messages else time.perf_counter()) - t0
    busy_after = machine_busy()
    cpu = {p: round(cpu_seconds(p) - cpu_before[p], 1) for p in pids}
    return {
        "messages": messages,
        "received": got,
        "complete": got >= messages,
        "accept_s": round(accepted, 2),
        "e2e_s": round(elapsed, 2),
        "rate_per_s": round(got / elapsed),
        "gateway_cpu_s": cpu,
        "machine_busy_pct": round(100 * (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])),
        "progress": timeline[:: max(1, len(timeline) // 20)],
    }


async def drain(receiver: Receiver, tag: str, messages: int, max_seconds: float) -> dict[str, Any]:
    """Let a round that was cut short finish (bounded), so the next round starts on an idle engine."""
    t0, start = time.perf_counter(), receiver.by_tag.get(tag, 0)
    while receiver.by_tag.get(tag, 0) < messages and time.perf_counter() - t0 < max_seconds:
        await asyncio.sleep(0.2)
    got = receiver.by_tag.get(tag, 0)
    elapsed = time.perf_counter() - t0
    return {"drained": got - start, "drain_s": round(elapsed, 1), "drain_rate_per_s": round((got - start) / elapsed)}


async def e2e(args: argparse.Namespace) -> None:
    port = args.port
    with project_session(args) as project:
        receiver = await Receiver().start()
        db_name = None
        if args.db == "sqlite":
            pin_self({1} if args.pin else None)
            url = f"sqlite:///{project.work / 'e2e.db'}"
            procs = [project.serve(url, port, cpus="0" if args.pin else None)]
        else:
            db_name = args.pg_name
            url = fresh_pg(db_name)
            procs = [project.serve(url, port, "--no-engine")]
            for w in range(args.workers):
                procs.append(project.start(f"worker-{w}", ["worker", "--database-url", url, "--log-level", "warning"]))
            time.sleep(3)  # workers migrate (no-op) and start their engines
            for p in procs:
                if p.wrapper.poll() is not None:
                    raise SystemExit(f"{p.name} exited:\n{p.log_path.read_text(errors='replace')[-3000:]}")
        pids = [p.pid for p in procs]
        try:
            pending: tuple[str, dict[str, Any]] | None = None  # a cut-short round, drained before the next
            for r in range(1, args.rounds + 1):
                if r > 1 and db_name is not None:
                    t = time.perf_counter()
                    psql("ANALYZE", db_name)  # every table: the message tables differ between commits
                    log(f"ANALYZE took {time.perf_counter() - t:.1f} s")
                if pending is not None:
                    log("previous round was cut short: draining it first")
                    drained = await drain(receiver, pending[0], args.messages, args.drain_seconds)
                    emit({**pending[1], "after_cut": drained})
                    pending = None
                wait_cpu_settles(pids)
                workers = f" workers={args.workers}" if args.db == "postgres" else ""
                log(f"e2e {args.db}{workers} round {r}: {args.messages} messages ...")
                tag = f"round-{r}"
                first = (r - 1) * args.messages
                result = await e2e_round(
                    port, receiver, args.messages, first, tag, pids, args.max_seconds, args.failover
                )
                result.update(
                    bench="e2e-failover" if args.failover else "e2e",
                    db=args.db,
                    workers=args.workers if args.db == "postgres" else 0,
                    round=r,
                    **project.describe(),
                    machine=machine(),
                )
                emit(result)
                if not result["complete"] and r < args.rounds:
                    pending = (tag, {"bench": "e2e-drain", "db": args.db, "workers": args.workers, "round": r})
        finally:
            receiver.close()
            project.stop_all()
            if db_name is not None and not args.keep:
                drop_pg(db_name)


# ---------------------------------------------------------------------------------------------------------------
# 2. idle cost with 1,000,000 scheduled messages


async def single_send_latency(port: int, requests: int) -> dict[str, float]:
    body = bulk_body(0, 1, None)
    latencies = []
    async with api_client(port) as client:
        for _ in range(50):  # warm-up
            await post(client, body)
        for _ in range(requests):
            latencies.append(1000 * await post(client, body))
    return percentiles(latencies)


def idle_cpu(pid: int, seconds: float) -> dict[str, float]:
    before, t0 = cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    used, wall = cpu_seconds(pid) - before, time.perf_counter() - t0
    return {"cpu_pct_of_one_core": round(100 * used / wall, 2), "cpu_s": round(used, 2), "wall_s": round(wall, 1)}


async def idle(args: argparse.Namespace) -> None:
    pin_self({1} if args.pin else None)
    with project_session(args) as project:
        url = f"sqlite:///{project.work / 'idle.db'}"
        server = project.serve(url, args.port, cpus="0" if args.pin else None)
        pid = server.pid
        result: dict[str, Any] = {"bench": "idle", "db": "sqlite", **project.describe(), "machine": machine()}
        time.sleep(3)
        log("idle: empty database")
        result["empty"] = {"idle": idle_cpu(pid, args.seconds), "rss_mb": round(rss_mb(pid))}
        result["empty"]["single_send_ms"] = await single_send_latency(args.port, args.requests)
        log(f"  {result['empty']}")
        wait_cpu_settles([pid])
        log(f"idle: loading {args.scheduled} messages a day ahead")
        send_at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        t0 = time.perf_counter()
        async with api_client(args.port) as client:
            for first in range(0, args.scheduled, BULK):
                await post(client, bulk_body(first, min(BULK, args.scheduled - first), None, send_at))
        result["load_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        wait_cpu_settles([pid], timeout_s=60)
        result["settle_s"] = round(time.perf_counter() - t0, 1)  # 60 = the engine never went quiet
        time.sleep(2)
        log("idle: with the scheduled messages")
        result["scheduled"] = {
            "messages": args.scheduled,
            "idle": idle_cpu(pid, args.seconds),
            "rss_mb": round(rss_mb(pid)),
        }
        log(f"  {result['scheduled']}")
        requests = args.scheduled_requests or args.requests
        result["scheduled"]["single_send_ms"] = await single_send_latency(args.port, requests)
        db_file = project.work / "idle.db"
        result["database_mb"] = round(sum(p.stat().st_size for p in db_file.parent.glob("idle.db*")) / 2**20)
        emit(result)


# ---------------------------------------------------------------------------------------------------------------
# 3. isolation from bad webhook receivers


async def isolation_scenario(
    port: int, fast: Receiver, bad_url: str | None, fresh: int, interval: float, max_wait: float
) -> dict[str, Any]:
    tag = f"iso{int(time.time() * 1000) % 10**9}"
    sent_at: dict[str, float] = {}
    accept_ms: list[float] = []
    stop = asyncio.Event()

    async def disturb(client: httpx.AsyncClient) -> None:
        n = 0
        while not stop.is_set():
            await post(client, bulk_body(5_000_000 + n, 1, bad_url, message_ids=[f"{tag}-bad-{n}"]))
            n += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    async with api_client(port) as client, api_client(port) as side:
        disturber = asyncio.create_task(disturb(side)) if bad_url else None
        if disturber is not None:
            await asyncio.sleep(2)  # the bad receiver is already being pushed to when the fresh messages arrive
        for i in range(fresh):
            mid = f"{tag}-fresh-{i}"
            sent_at[mid] = time.perf_counter()
            accept_ms.append(1000 * await post(client, bulk_body(6_000_000 + i, 1, fast.url, message_ids=[mid])))
            await asyncio.sleep(interval)
        deadline = time.perf_counter() + max_wait
        while not all(m in fast.first_seen for m in sent_at) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        if disturber is not None:
            await disturber
    latencies = [1000 * (fast.first_seen[m] - t) for m, t in sent_at.items() if m in fast.first_seen]
    return {
        "fresh": fresh,
        "received": len(latencies),
        "dispatch_to_report_ms": percentiles(latencies),
        "accept_ms": percentiles(accept_ms),
    }


async def isolation(args: argparse.Namespace) -> None:
    pin_self({1} if args.pin and args.db == "sqlite" else None)
    with project_session(args) as project:
        fast = await Receiver().start()
        slow = await Receiver("slow", args.slow_s).start()
        hole = await Receiver("blackhole").start()
        scenarios = {
            "baseline": None,
            "slow_receiver": slow.url,
            "closed_port": f"http://127.0.0.1:{closed_port()}/dlr",
            "blackhole": hole.url,
        }
        try:
            for name, bad_url in scenarios.items():
                if args.only and name not in args.only:
                    continue
                if args.db == "sqlite":
                    url = f"sqlite:///{project.work / f'iso-{name}.db'}"
                    project.serve(url, args.port, cpus="0" if args.pin else None)
                else:
                    url = fresh_pg(args.pg_name)
                    project.serve(url, args.port, "--no-engine")
                    for w in range(args.workers):
                        project.start(f"worker-{w}", ["worker", "--database-url", url, "--log-level", "warning"])
                    time.sleep(3)
                log(f"isolation {args.db}: {name}")
                result = await isolation_scenario(args.port, fast, bad_url, args.fresh, args.interval, args.max_wait)
                result.update(
                    bench="isolation",
                    scenario=name,
                    db=args.db,
                    workers=args.workers if args.db == "postgres" else 0,
                    bad_receiver_requests={"slow_receiver": slow.requests, "blackhole": hole.requests}.get(name),
                    **project.describe(),
                    machine=machine(),
                )
                emit(result)
                project.stop_all()
        finally:
            for r in (fast, slow, hole):
                r.close()
            if args.db == "postgres" and not args.keep:
                drop_pg(args.pg_name)


# ---------------------------------------------------------------------------------------------------------------
# 4. outcome writes: record 500 final outcomes


async def record(args: argparse.Namespace) -> None:
    """Rows are accepted through the HTTP API (stable across engines), due a day ahead so nothing sends them; then
    the server stops and `record-inproc`, run by the project's own python, claims and records them in-process."""
    with project_session(args) as project:
        for db in args.dbs:
            if db == "sqlite":
                url, extra = f"sqlite:///{project.work / 'record.db'}", ()
            else:
                url, extra = fresh_pg(args.pg_name), ("--no-engine",)
            server = project.serve(url, args.port, *extra)
            receiver_url = "http://127.0.0.1:9/dlr"  # never pushed to: the benchmark only writes the outbox rows
            send_at = datetime.now(UTC) + timedelta(days=1)
            total = args.batch * args.batches
            async with api_client(args.port) as client:
                for first in range(0, total, BULK):
                    await post(client, bulk_body(first, min(BULK, total - first), receiver_url, send_at.isoformat()))
            server.stop()
            project.procs.remove(server)
            now_ms = int(send_at.timestamp() * 1000) + 60_000
            out = subprocess.run(
                [
                    project.python,
                    str(Path(__file__).resolve()),
                    "record-inproc",
                    "--database-url",
                    url,
                    "--now-ms",
                    str(now_ms),
                    "--batch",
                    str(args.batch),
                    "--batches",
                    str(args.batches),
                    "--api",
                    args.api,
                ],
                cwd=project.root,
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                raise SystemExit(f"record-inproc failed:\n{out.stderr[-3000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            result.update(bench="record", db=db, **project.describe(), machine=machine())
            emit(result)
            if db == "postgres" and not args.keep:
                drop_pg(args.pg_name)


# The engine API the micro-benchmark drives, with one contract: `claim` takes `limit` due rows, `record_final`
# writes one final DELIVERED outcome (and its report) for each of them; only `record_final` is timed.
# `v1` is the engine before issue 7 (store.messages: one UPDATE … RETURNING per outcome plus a report insert);
# `v2` is the rebuilt engine (store.outcomes: claims by primary key, one set-based `UpdateMany` per outcome kind).


async def _claim_v1(db: Any, now_ms: int, limit: int, owner: str) -> list[Any]:
    from kakao_gateway.store import messages as msgs

    return await db.write(msgs.claim_due(now_ms, limit, owner, 30_000))  # type: ignore[no-any-return]


async def _record_final_v1(db: Any, claimed: list[Any], now_ms: int, owner: str) -> int:
    from kakao_gateway.domain import status as st
    from kakao_gateway.store import messages as msgs

    delivered, no_error = st.status("DELIVERED_TO_HANDSET").id, st.error("NO_ERROR").id
    outcomes = [msgs.Outcome(c.seq, "final", delivered, no_error, owner=owner) for c in claimed]
    return await db.write(msgs.record(outcomes, now_ms))  # type: ignore[no-any-return]


async def _claim_v2(db: Any, now_ms: int, limit: int, owner: str) -> list[Any]:
    from kakao_gateway.store.outcomes import claim_due

    return await db.write(claim_due(now_ms, limit, owner, 30_000))  # type: ignore[no-any-return]


async def _record_final_v2(db: Any, claimed: list[Any], now_ms: int, owner: str) -> int:
    from kakao_gateway.domain import status as st
    from kakao_gateway.store.outcomes import Outcome
    from kakao_gateway.store.outcomes import record as record_outcomes

    delivered, no_error = st.status("DELIVERED_TO_HANDSET").id, st.error("NO_ERROR").id
    outcomes = [Outcome(c.seq, "final", delivered, no_error, owner=owner) for c in claimed]
    recorded = await db.write(record_outcomes(outcomes, now_ms))
    return int(getattr(recorded, "changed", recorded))  # `record` says what it did (a count, before issue 9)


ENGINE_APIS = {"v1": (_claim_v1, _record_final_v1), "v2": (_claim_v2, _record_final_v2)}


async def record_inproc(args: argparse.Namespace) -> None:
    import kakao_gateway
    from kakao_gateway.store.database import open_database

    claim, record_final = ENGINE_APIS[args.api]
    db = open_database(args.database_url)
    await db.start()
    owner = "bench-record"
    timings, claims = [], []
    try:
        for _ in range(args.batches):
            t = time.perf_counter()
            claimed = await claim(db, args.now_ms, args.batch, owner)
            claims.append(1000 * (time.perf_counter() - t))
            if len(claimed) != args.batch:
                raise SystemExit(f"claimed {len(claimed)} rows, expected {args.batch}")
            t = time.perf_counter()
            changed = await record_final(db, claimed, args.now_ms, owner)
            timings.append(1000 * (time.perf_counter() - t))
            if changed != args.batch:
                raise SystemExit(f"recorded {changed} rows, expected {args.batch}")
    finally:
        await db.close()
    emit(
        {
            "api": args.api,
            "package": kakao_gateway.__file__,
            "batch": args.batch,
            "batches": args.batches,
            "record_ms": {
                "median": round(statistics.median(timings), 1),
                "min": round(min(timings), 1),
                "max": round(max(timings), 1),
                "all": [round(t, 1) for t in timings],
            },
            "per_outcome_us": round(1000 * statistics.median(timings) / args.batch, 1),
            "claim_ms_median": round(statistics.median(claims), 1),
        }
    )


# ---------------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, port: int) -> None:
        p.add_argument("--project", default=str(Path(__file__).resolve().parents[1]), help="tree with .venv/")
        p.add_argument("--port", type=int, default=port)
        p.add_argument("--keep", action="store_true", help="keep the temp dir and PostgreSQL database")
        p.add_argument("--no-pin", dest="pin", action="store_false", help="SQLite: do not pin server/client")

    p = sub.add_parser("e2e", help="end-to-end throughput")
    common(p, 18201)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--workers", type=int, default=1, help="PostgreSQL: `kakao-gateway worker` processes")
    p.add_argument("--messages", type=int, default=100_000, help="per round")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--max-seconds", type=float, default=300, help="per round; a round cut short reports its rate")
    p.add_argument("--drain-seconds", type=float, default=300, help="bound on finishing a cut-short round")
    p.add_argument("--pg-name", default="bench_engine_e2e")
    p.add_argument(
        "--failover", action="store_true", help="every message fails on Kakao and goes on as an SMS (sandbox)"
    )
    p.set_defaults(run=e2e)

    p = sub.add_parser("idle", help="idle CPU and single-send latency with 1M scheduled messages (SQLite)")
    common(p, 18202)
    p.add_argument("--scheduled", type=int, default=1_000_000)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--requests", type=int, default=2000, help="sequential single sends per phase")
    p.add_argument("--scheduled-requests", type=int, default=0, help="with the 1M waiting [default: --requests]")
    p.set_defaults(run=idle)

    p = sub.add_parser("isolation", help="dispatch latency beside slow / dead webhook receivers")
    common(p, 18203)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--fresh", type=int, default=50, help="fresh messages per scenario")
    p.add_argument("--interval", type=float, default=0.2, help="seconds between fresh (and between bad) messages")
    p.add_argument("--slow-s", type=float, default=5.0)
    p.add_argument("--max-wait", type=float, default=90)
    p.add_argument("--only", nargs="*", help="scenarios: baseline slow_receiver closed_port blackhole")
    p.add_argument("--pg-name", default="bench_engine_iso")
    p.set_defaults(run=isolation)

    p = sub.add_parser("record", help="time to record 500 final outcomes")
    common(p, 18204)
    p.add_argument("--dbs", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--batches", type=int, default=10)
    p.add_argument("--api", choices=sorted(ENGINE_APIS), default="v1")
    p.add_argument("--pg-name", default="bench_engine_record")
    p.set_defaults(run=record)

    p = sub.add_parser("record-inproc", help="(internal) run by `record` under the project's python")
    p.add_argument("--database-url", required=True)
    p.add_argument("--now-ms", type=int, required=True)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--batches", type=int, default=10)
    p.add_argument("--api", choices=sorted(ENGINE_APIS), default="v1")
    p.set_defaults(run=record_inproc)

    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups (stop servers, drop databases)
    asyncio.run(args.run(args))


if __name__ == "__main__":
    main()
