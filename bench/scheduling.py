"""Scheduling benchmarks against a real `kakao-gateway serve` (SQLite, engine on), on loopback.

  lateness: a bulk paced at 2,000 messages/s (120,000/MINUTE) starting 3 s ahead; dispatch lateness is each row's
            first submit time minus its planned slot, read from the database afterwards.
  memory:   1,000,000 messages scheduled a day ahead (100 requests of 10,000); the server's RSS while they wait.

Usage: .venv/bin/python bench/scheduling.py lateness|memory [--messages N]
The server is pinned to CPU 0 and this client to CPU 1; both stop by themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-scheduling-0123456789abcdef"
PORT = 18124
URL = f"http://127.0.0.1:{PORT}"
TEXT = "Hello Jimin, your order 1234 has shipped."


def start_server(db: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KAKAO_GATEWAY_API_KEY": KEY}
    cmd = [
        "taskset",
        "-c",
        "0",
        "timeout",
        "1800",
        str(ROOT / ".venv/bin/kakao-gateway"),
        "serve",
        "--demo",
        "--port",
        str(PORT),
        "--database-url",
        f"sqlite:///{db}",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if httpx.get(f"{URL}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise SystemExit("server did not start")


def server_pid(wrapper: subprocess.Popen[bytes]) -> int:
    children = Path(f"/proc/{wrapper.pid}/task/{wrapper.pid}/children").read_text().split()
    return int(children[0]) if children else wrapper.pid


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def body(start: int, count: int, bulk_id: str, send_at: str, speed: dict[str, object] | None) -> bytes:
    schedule: dict[str, object] = {"bulkId": bulk_id, "sendAt": send_at}
    if speed:
        schedule["sendingSpeedLimit"] = speed
    return json.dumps(
        {
            "messages": [
                {
                    "sender": "DEMO-SENDER",
                    "destinations": [{"to": f"8210{20000000 + start + i:08d}"} for i in range(count)],
                    "content": {"type": "TEMPLATE", "templateCode": "DEMO_ORDER", "text": TEXT},
                }
            ],
            "options": {"schedule": schedule},
        }
    ).encode()


def post(client: httpx.Client, payload: bytes) -> None:
    response = client.post("/kakao-alim/1/messages", content=payload, headers={"Content-Type": "application/json"})
    response.raise_for_status()


def lateness(messages: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "bench.db"
        server = start_server(db)
        try:
            send_at = datetime.now(UTC) + timedelta(seconds=3)
            with httpx.Client(base_url=URL, headers={"Authorization": f"App {KEY}"}, timeout=120) as client:
                for start in range(0, messages, 10_000):
                    count = min(10_000, messages - start)
                    post(
                        client,
                        body(start, count, "LATE", send_at.isoformat(), {"amount": 120_000, "timeUnit": "MINUTE"}),
                    )
            base = int(send_at.timestamp() * 1000)
            deadline = time.time() + 60 + messages / 2000
            while time.time() < deadline:
                with sqlite3.connect(db) as conn:
                    left = conn.execute(f"SELECT COUNT(*) FROM {_messages(conn)} WHERE attempts = 0").fetchone()[0]
                if left == 0:
                    break
                time.sleep(1)
            with sqlite3.connect(db) as conn:
                sent = [
                    r[0]
                    for r in conn.execute(f"SELECT sent_at FROM {_messages(conn)} WHERE bulk_id = 'LATE' ORDER BY seq")
                ]
        finally:
            server.terminate()
            server.wait(30)
    late = sorted(s - (base + i * 60_000 // 120_000) for i, s in enumerate(sent))
    q = statistics.quantiles(late, n=100)
    span = (max(sent) - min(sent)) / 1000
    print(
        json.dumps(
            {
                "messages": len(sent),
                "planned_rate_per_s": 2000,
                "achieved_rate_per_s": round(len(sent) / span),
                "lateness_ms": {"p50": q[49], "p99": q[98], "max": late[-1], "min": late[0]},
            }
        )
    )


def memory(messages: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "bench.db"
        server = start_server(db)
        pid = server_pid(server)
        try:
            idle = rss_mb(pid)
            send_at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
            started = time.perf_counter()
            with httpx.Client(base_url=URL, headers={"Authorization": f"App {KEY}"}, timeout=120) as client:
                for start in range(0, messages, 10_000):
                    post(client, body(start, min(10_000, messages - start), "MEM", send_at, None))
                accept_s = time.perf_counter() - started
                peak_during = rss_mb(pid)
                time.sleep(5)
                waiting = rss_mb(pid)
                client.get("/kakao-alim/1/logs", params={"limit": 1000})
                status = client.get("/kakao/1/bulks/status", params={"bulkId": "MEM"}).json()
                after_queries = rss_mb(pid)
            size_mb = sum(p.stat().st_size for p in Path(work).iterdir()) / 2**20
        finally:
            server.terminate()
            server.wait(30)
    print(
        json.dumps(
            {
                "messages": messages,
                "accept_seconds": round(accept_s, 1),
                "rss_mb": {
                    "idle_before": round(idle),
                    "after_accepting": round(peak_during),
                    "waiting": round(waiting),
                    "after_logs_and_status": round(after_queries),
                },
                "pending": status["progress"]["pending"],
                "database_mb": round(size_mb),
            }
        )
    )


def _messages(conn: sqlite3.Connection) -> str:
    """Where the messages' states are: the view over the split tables (migration 0030), or the one wide table."""
    split = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'message_view'").fetchone()
    return "message_view" if split else "messages"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["lateness", "memory"])
    parser.add_argument("--messages", type=int)
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})
    if args.what == "lateness":
        lateness(args.messages or 20_000)
    else:
        memory(args.messages or 1_000_000)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
