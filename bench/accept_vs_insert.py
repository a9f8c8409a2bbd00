"""A 10,000-destination request while the engine delivers the previous one, against a raw SQLite batch insert of
10,000 eight-column rows into the same database file, in the same run (issue 17, item 6: goal >= 0.25 x).

For each tree given (alternating, `--rounds` times), one `kakao-gateway serve --demo` on a fresh SQLite file (the
server pinned to CPU 0, this script and the raw inserts to CPU 1, as `engine_v2.py e2e` does):

  accept   `--runs` times: wait until the server is idle, POST 10,000 destinations (webhook to a local receiver),
           then at once POST another 10,000 and time that one (client wall time, body built beforehand) while the
           engine claims, submits to the sandbox and reports the first; one unmeasured warm-up pair first.
  raw      the server idle, `--runs` times: one transaction of `executemany(INSERT ...)` of 10,000 rows
           (4 text, 4 integer columns, an INTEGER PRIMARY KEY) into a table `bench_raw` of the same file, with the
           gateway's pragmas (WAL, synchronous=FULL), Python's sqlite3 module.

Prints one JSON line per tree and round: medians of both and their ratio (accept destinations/s over raw rows/s).

    .venv/bin/python bench/accept_vs_insert.py --project /tmp/kg-old --project /tmp/kg-new --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from engine_v2 import (
    BULK,
    Receiver,
    api_client,
    bulk_body,
    emit,
    log,
    machine,
    pin_self,
    post,
    project_session,
    wait_cpu_settles,
)


def raw_insert(path: Path, rows: int, first: int) -> float:
    """Seconds for one transaction inserting `rows` eight-column rows (the table made on first use)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL, "
            "destination TEXT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL, state INTEGER NOT NULL, "
            "due_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, priority INTEGER NOT NULL)"
        )
        tag = uuid.uuid4().hex[:12]
        data = [
            (
                f"raw-{tag}-{i:06d}",
                f"8210{20_000_000 + i:08d}",
                "DEMO-SENDER",
                "Hello Jimin, your order 1234 has shipped.",
                0,
                1_700_000_000_000 + i,
                0,
                1,
            )
            for i in range(first, first + rows)
        ]
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO bench_raw (message_id, destination, sender, text, state, due_ms, attempts, priority) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            data,
        )
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


async def one_tree(args: argparse.Namespace, project_dir: str, round_no: int) -> dict[str, Any]:
    ns = argparse.Namespace(project=project_dir, keep=False)
    with project_session(ns) as project:
        pin_self({1})
        receiver = await Receiver().start()
        db = project.work / "accept.db"
        try:
            proc = project.serve(f"sqlite:///{db}", args.port, cpus="0")
            pids = [proc.pid]
            accepts: list[float] = []
            first = 0
            async with api_client(args.port) as client:
                for run in range(args.runs + 1):  # the first pair is a warm-up
                    primer = bulk_body(first, BULK, receiver.url, callback_data=f"p{run}")
                    measured = bulk_body(first + BULK, BULK, receiver.url, callback_data=f"m{run}")
                    first += 2 * BULK
                    wait_cpu_settles(pids)
                    await post(client, primer)
                    seconds = await post(client, measured)
                    if run > 0:
                        accepts.append(BULK / seconds)
                    log(
                        f"  {project_dir} round {round_no} {'run ' + str(run) if run else 'warm-up'}: "
                        f"{BULK / seconds:,.0f} destinations/s"
                    )
            wait_cpu_settles(pids)
            raws = [args.rows / raw_insert(db, args.rows, i * args.rows) for i in range(args.runs)]
            log(f"  raw insert: {[round(r) for r in raws]} rows/s")
            delivered = receiver.count
        finally:
            receiver.close()
            project.stop_all()
        accept = statistics.median(accepts)
        raw = statistics.median(raws)
        return {
            "bench": "accept-vs-raw-insert",
            "round": round_no,
            **project.describe(),
            "accept_destinations_per_s": [round(a) for a in accepts],
            "raw_rows_per_s": [round(r) for r in raws],
            "accept_median": round(accept),
            "raw_median": round(raw),
            "ratio": round(accept / raw, 3),
            "reports_received": delivered,
            "machine": machine(),
        }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", action="append", required=True, help="tree with .venv/ (repeat to alternate)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5, help="measured requests and raw inserts per round")
    parser.add_argument("--rows", type=int, default=BULK)
    parser.add_argument("--port", type=int, default=18141)
    args = parser.parse_args()
    for r in range(1, args.rounds + 1):
        for project_dir in args.project:
            log(f"loadavg {Path('/proc/loadavg').read_text().split()[:3]}: {project_dir} round {r}")
            emit(await one_tree(args, project_dir, r))


if __name__ == "__main__":
    asyncio.run(main())
