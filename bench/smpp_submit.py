"""SMPP submit throughput (issue 9 "Proof"): one SmppConnector (one worker) against a local smpp34 SMSC.

The SMSC runs in a child process (this script with `serve`), accepting every submit_sm and, with --receipts,
answering each with a DELIVRD deliver_sm receipt. The parent binds one transceiver connector (window 10 unless
--window says otherwise) and hands it the messages in batches of --batch (the engine's claim_batch is 500), as
the engine does, then waits until every receipt became a LateResult. Everything stays on 127.0.0.1; the child is
stopped at the end. With `taskset` present the SMSC is pinned to CPU 0 and the connector to CPU 1.

Usage: python bench/smpp_submit.py [--messages 20000] [--window 10] [--batch 500] [--receipts] [--text korean|lms]
Prints progress on stderr and one JSON result on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import smpp34

from kakao_gateway.clock import SystemClock
from kakao_gateway.connectors.base import Submission
from kakao_gateway.connectors.smpp.connector import SmppConnector, connect
from kakao_gateway.connectors.upstreams import UpstreamDeps, parse_upstream
from kakao_gateway.domain.sms import SmsText, sms_text

TEXTS = {
    "korean": "[카카오] 홍길동님, 주문하신 상품이 발송되었습니다.",  # an SMS: short_message, UCS-2
    "lms": "[카카오] 배송 안내 " + "주문하신 상품이 오늘 발송되었습니다. " * 20,  # an LMS: message_payload
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def serve(port: int, receipts: bool) -> None:
    """The SMSC: accepts everything; with receipts, a DELIVRD receipt for each message right after."""
    server = smpp34.Server("127.0.0.1", port, system_id="BENCHSMSC")
    await server.start()
    print("ready", flush=True)
    esmes: dict[str, smpp34.Esme] = {}
    pending: set[asyncio.Task[smpp34.DeliverSmResp]] = set()
    count = 0
    while True:
        event = await server.next()
        if isinstance(event, smpp34.Esme):
            esmes[event.session_id] = event
        elif isinstance(event, smpp34.SubmitSmEvent):
            count += 1
            smsc_id = f"b{count}"
            event.accept(smsc_id)
            if receipts:
                text = f"id:{smsc_id} sub:001 dlvrd:001 submit date:2611291300 done date:2611291300 stat:DELIVRD"
                task = asyncio.ensure_future(
                    esmes[event.session_id].deliver_sm(event.source_addr, text.encode(), esm_class=0x04)
                )
                pending.add(task)
                task.add_done_callback(pending.discard)


def submission(seq: int, text: SmsText) -> Submission:
    return Submission(
        seq, "bench", f"m{seq}", "SMS", "SMS:smpp:bench", "15881234", f"8210{seq:08d}", text.to_content(), 1, 0, hop=1
    )


async def run(args: argparse.Namespace, port: int) -> dict[str, object]:
    url = parse_upstream(f"smpp://bench:pw@127.0.0.1:{port}?window={args.window}")
    clock = SystemClock()
    connector: SmppConnector = connect(url, UpstreamDeps(clock, "SMS:smpp:bench", ""))
    await connector.start()
    assert await connector.wait_bound(10), connector.health()
    text = sms_text(TEXTS[args.text])
    assert isinstance(text, SmsText)
    batches = [
        [submission(seq, text) for seq in range(start, min(start + args.batch, args.messages))]
        for start in range(0, args.messages, args.batch)
    ]
    late = 0
    started = time.perf_counter()
    for batch in batches:
        results = await connector.submit(batch, clock.now_ms())
        assert all(r.kind == "accepted" for r in results), {r for r in results}
        late += len(await connector.poll_results(clock.now_ms()))
    submitted = time.perf_counter() - started
    while args.receipts and late < args.messages:
        await asyncio.sleep(0.01)
        late += len(await connector.poll_results(clock.now_ms()))
    done = time.perf_counter() - started
    await connector.close()
    return {
        "bench": "smpp_submit",
        "messages": args.messages,
        "window": args.window,
        "batch": args.batch,
        "text": args.text,
        "receipts": args.receipts,
        "submit_seconds": round(submitted, 3),
        "submit_sm_per_s": round(args.messages / submitted),
        "receipts_matched": late,
        "all_seconds": round(done, 3),
        "end_to_end_per_s": round(args.messages / done),
        "cpus": os.cpu_count(),
    }


def pinned(cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of the SMSC (the `timeout` wrapper's child), from /proc."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        child = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0]
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "serve"])
    parser.add_argument("--port", type=int, default=0, help="serve: the port to listen on")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--receipts", action="store_true", help="the SMSC sends a receipt per message")
    parser.add_argument("--text", choices=sorted(TEXTS), default="korean")
    args = parser.parse_args()
    if args.mode == "serve":
        asyncio.run(serve(args.port, args.receipts))
        return
    port = free_port()
    command = [sys.executable, __file__, "serve", "--port", str(port)] + (["--receipts"] if args.receipts else [])
    smsc = subprocess.Popen(["timeout", "600", *pinned(0), *command], stdout=subprocess.PIPE, text=True)
    try:
        assert smsc.stdout is not None and smsc.stdout.readline().strip() == "ready"
        if pinned(1):
            os.sched_setaffinity(0, {1})
        print(f"SMSC on 127.0.0.1:{port}; submitting {args.messages} messages", file=sys.stderr)
        result = asyncio.run(run(args, port))
        result["connector_cpu_seconds"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_utime, 2)
        result["smsc_cpu_seconds"] = cpu_seconds(smsc.pid)
        print(json.dumps(result))
    finally:
        smsc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            smsc.wait(5)


if __name__ == "__main__":
    main()
