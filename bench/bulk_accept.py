"""Bulk accept benchmark: one POST /kakao-alim/1/messages with N destinations, repeated R times.

Measures accepted destinations per second as seen by the client: the wall time from the first byte of the
request until the whole response is read (the body is built and encoded before the clock starts). Every run
uses fresh client messageIds (unique across runs and processes), and the response is checked: N entries,
all PENDING_ENROUTE, the messageIds we sent.

Between runs the script waits until the server process is idle again (its CPU time stops growing, read from
/proc/<pid>/stat), so the in-process delivery engine has finished sending the previous batch to the sandbox and
each run measures the accept path alone. Pass --no-wait-idle to measure accept while the engine drains.

    python bench/bulk_accept.py --url http://127.0.0.1:8123 --key KEY --destinations 10000 --runs 5 --server-pid PID
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson

TEXT = "Hello Jimin, your order 1234 has shipped."


@dataclass(frozen=True, slots=True)
class Run:
    index: int
    destinations: int
    seconds: float
    request_bytes: int
    response_bytes: int

    @property
    def rate(self) -> float:
        return self.destinations / self.seconds


def build_body(destinations: int, tag: str, with_ids: bool) -> tuple[bytes, list[str]]:
    ids = [f"bench-{tag}-{i:06d}" for i in range(destinations)]
    dests: list[dict[str, str]] = []
    for i, message_id in enumerate(ids):
        # 821010000000 and up: valid KR mobiles, clear of the sandbox's magic numbers (821000000002-7)
        dest = {"to": f"8210{10_000_000 + i % 90_000_000:08d}"}
        if with_ids:
            dest["messageId"] = message_id
        dests.append(dest)
    body = {
        "messages": [
            {
                "sender": "DEMO-SENDER",
                "destinations": dests,
                "content": {"type": "TEMPLATE", "templateCode": "DEMO_ORDER", "text": TEXT},
            }
        ]
    }
    return orjson.dumps(body), ids if with_ids else []


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of stat)


def wait_idle(pid: int, quiet_s: float = 1.0, timeout_s: float = 120.0) -> float:
    """Wait until the process used < 2 % CPU over `quiet_s`; return the seconds waited."""
    hz = os.sysconf("SC_CLK_TCK")
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        before = cpu_ticks(pid)
        time.sleep(quiet_s)
        if (cpu_ticks(pid) - before) / hz < 0.02 * quiet_s:
            return time.monotonic() - start
    print(f"warning: server still busy after {timeout_s:.0f} s", file=sys.stderr)
    return time.monotonic() - start


def post(conn: http.client.HTTPConnection, path: str, key: str, body: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers={"Authorization": f"App {key}", "Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def check(status: int, raw: bytes, destinations: int, ids: list[str]) -> None:
    if status != 200:
        raise SystemExit(f"HTTP {status}: {raw[:500]!r}")
    answer = orjson.loads(raw)
    messages = answer["messages"]
    if len(messages) != destinations:
        raise SystemExit(f"expected {destinations} answers, got {len(messages)}")
    bad = [m for m in messages if m["status"]["name"] != "PENDING_ENROUTE"]
    if bad:
        raise SystemExit(f"{len(bad)} destinations not accepted, first: {bad[0]}")
    got = [m["messageId"] for m in messages]
    if len(set(got)) != destinations:
        raise SystemExit("messageIds in the answer are not unique")
    if ids and got != ids:
        raise SystemExit("the answer's messageIds are not the ones sent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--key", required=True, help="App key of the account")
    parser.add_argument("--destinations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs first")
    parser.add_argument("--server-pid", type=int, help="wait for this process to go idle before each run")
    parser.add_argument("--no-wait-idle", action="store_true")
    parser.add_argument("--no-client-ids", action="store_true", help="omit messageId so the gateway generates the ids")
    args = parser.parse_args()

    split = urlsplit(args.url)
    conn = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port or 80, timeout=120)
    path = "/kakao-alim/1/messages"
    runs: list[Run] = []
    hz = os.sysconf("SC_CLK_TCK")
    for i in range(args.warmup + args.runs):
        body, ids = build_body(args.destinations, uuid.uuid4().hex[:12], not args.no_client_ids)
        if args.server_pid and not args.no_wait_idle:
            wait_idle(args.server_pid)
        cpu_before = cpu_ticks(args.server_pid) if args.server_pid else 0
        started = time.perf_counter()
        status, raw = post(conn, path, args.key, body)
        elapsed = time.perf_counter() - started
        cpu = (cpu_ticks(args.server_pid) - cpu_before) / hz if args.server_pid else 0.0
        check(status, raw, args.destinations, ids)
        measured = i >= args.warmup
        label = f"run {i - args.warmup + 1}" if measured else f"warmup {i + 1}"
        print(
            f"{label}: {args.destinations} destinations in {elapsed * 1000:.1f} ms = "
            f"{args.destinations / elapsed:,.0f} destinations/s "
            f"(request {len(body) / 1e6:.2f} MB, response {len(raw) / 1e6:.2f} MB)"
            + (f"; server CPU {cpu * 1000:.0f} ms" if args.server_pid else ""),
            flush=True,
        )
        if measured:
            runs.append(Run(len(runs) + 1, args.destinations, elapsed, len(body), len(raw)))
    conn.close()
    if args.server_pid and not args.no_wait_idle:
        cpu_before = cpu_ticks(args.server_pid)
        waited = wait_idle(args.server_pid)
        print(
            f"after the last run the engine drained the batch (sandbox delivery + reports) in about "
            f"{max(waited - 1.0, 0):.1f} s, using {(cpu_ticks(args.server_pid) - cpu_before) / hz * 1000:.0f} ms "
            "of server CPU"
        )
    rates = [r.rate for r in runs]
    print(
        f"bulk accept, {args.destinations} destinations x {len(runs)} runs: "
        f"median {statistics.median(rates):,.0f} /s, best {max(rates):,.0f} /s, worst {min(rates):,.0f} /s; "
        f"median latency {statistics.median(r.seconds for r in runs) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
