"""Bodies over the documented limits are refused before they are materialised (issue 16): each route reads at most
its own byte limit, and what passes it is counted on the raw bytes before orjson or pydantic see it. A 30 MB body of
millions of items is answered with a small ApiError, the process grows by far less than 200 MB while it is
handled, and the event loop keeps answering `/health` within 100 ms; a legitimate large body is still accepted.

Timing and memory go through a real uvicorn server on 127.0.0.1, in this process (tests/browser.py's `served`).
Memory is the kernel's peak resident set size of this process (VmHWM, reset by writing 5 to /proc/self/clear_refs
just before the request): it counts every allocation, pydantic-core's Rust ones too, which tracemalloc would miss.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .helpers import SENDER, TEMPLATE_CODE, alim_body, register_basics
from .spec import assert_api_error

if TYPE_CHECKING:
    from .browser import Served

pytest_plugins = ("tests.browser",)  # its fixture `served`: uvicorn on 127.0.0.1 in this process

JSON = {"Content-Type": "application/json"}
MAX_DESTINATIONS = 100_000
MB = 1_000_000

ALIM = b'{"sender":"' + SENDER.encode() + b'","content":{"type":"TEMPLATE","templateCode":"' + TEMPLATE_CODE.encode()
ALIM += b'","text":"x"},"destinations":['
SANGDAM = b'{"sender":"' + SENDER.encode() + b'","content":{"type":"TEXT","text":"x"},"destinations":['


def destinations(head: bytes, count: int, item: bytes = b'{"to":""}') -> bytes:
    """A request of one message `head` with `count` destinations `item`."""
    return b'{"messages":[' + head + b",".join([item] * count) + b"]}]}"


def buttons(count: int) -> bytes:
    """An Alim request of one destination and `count` buttons."""
    head = ALIM.replace(
        b'"text":"x"', b'"text":"x","buttons":[' + b",".join([b'{"type":"ADD_CHANNEL","name":"n"}'] * count) + b"]"
    )
    return b'{"messages":[' + head + b'{"to":"821000000001"}]}]}'


def api_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:1000]
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    return body


def violations(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["property"], v["violation"]) for v in body["violations"]]


# --- memory and the event loop ----------------------------------------------------------------------------------------


def _status() -> dict[str, int]:
    with open("/proc/self/status") as status:
        return {line.split(":")[0]: int(line.split()[1]) for line in status if line.startswith(("VmRSS", "VmHWM"))}


class PeakMemory:
    """Growth of this process's peak resident set (kB) from `start()`: the kernel's own high-water mark."""

    def start(self) -> None:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self.before = _status()["VmRSS"]

    def growth_mb(self) -> float:
        return (_status()["VmHWM"] - self.before) / 1024


PAUSE = 0.005  # between two probes


async def _probe(url: str, done: asyncio.Event) -> list[float]:
    """`/health` asked one after the other until `done`: how long each waited, counted from when it was due (the
    end of the one before and a pause), so a stall of the loop shows whether it began during a probe or a pause."""
    took: list[float] = []
    async with httpx.AsyncClient(base_url=url) as probe:
        due = time.perf_counter()
        while not done.is_set():
            assert (await probe.get("/health")).status_code == 200
            now = time.perf_counter()
            took.append(now - due)
            await asyncio.sleep(PAUSE)
            due = now + PAUSE
    return took


async def refused_while_probed(served: Served, path: str, raw: bytes) -> tuple[httpx.Response, float, list[float]]:
    """POST `raw` to `path` while `/health` is probed: the answer, the peak memory growth (MB), the probes."""
    done = asyncio.Event()
    memory = PeakMemory()
    memory.start()
    probes = asyncio.create_task(_probe(served.url, done))
    try:
        response = await served.api.post(path, content=raw, headers=JSON, timeout=120)
    finally:
        done.set()
    took = await probes
    print(
        f"{path}: {len(raw) / MB:.1f} MB, +{memory.growth_mb():.0f} MB peak, {len(took)} probes, /health max "
        f"{max(took) * 1000:.1f} ms, median {statistics.median(took) * 1000:.1f} ms"
    )
    return response, memory.growth_mb(), took


def assert_responsive(took: list[float]) -> None:
    """No probe waited 100 ms. A probe's time also holds this process's own client work (both ends run on this
    loop) and the machine's noise, so the one slowest probe is forgiven once if the rest are well under: a stalled
    loop would show in every probe made during the stall, not in one."""
    assert len(took) >= 5, f"too few probes to judge: {took}"
    slowest = sorted(took)[-2:]
    assert slowest[0] < 0.1, f"/health took {[round(t * 1000) for t in slowest]} ms"
    assert statistics.median(took) < 0.05, f"median /health {statistics.median(took) * 1000:.0f} ms"


Case = tuple[str, Callable[[], bytes], list[tuple[str, str]]]
DESTINATIONS_OVER = [("messages", "a request may carry at most 100000 destinations; this one has 3000000")]
CASES: dict[str, Case] = {
    "alim": ("/kakao-alim/1/messages", lambda: destinations(ALIM, 3_000_000), DESTINATIONS_OVER),
    "sangdam": ("/kakao-sangdam/1/messages", lambda: destinations(SANGDAM, 3_000_000), DESTINATIONS_OVER),
    "plan": ("/kakao/1/bulks/plan", lambda: destinations(ALIM, 3_000_000), DESTINATIONS_OVER),
    "buttons": (
        "/kakao-alim/1/messages",
        lambda: buttons(880_000),
        [("messages[0].content.buttons", "must hold at most 5 items; this one has 880000")],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_thirty_megabytes_over_the_limits_is_refused_without_memory_or_a_stall(served: Served, name: str) -> None:
    path, build, expected = CASES[name]
    raw = build()
    assert 29 * MB < len(raw) < 31 * MB
    response, growth, took = await refused_while_probed(served, path, raw)
    assert violations(api_error(response, 400)) == expected
    assert growth < 200, f"the process grew by {growth:.0f} MB"
    assert_responsive(took)


async def test_a_legitimate_hundred_thousand_destinations_are_accepted(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    raw = destinations(ALIM, MAX_DESTINATIONS, b'{"to":"821000000001","messageId":"m"}')
    response = await client.post("/kakao-alim/1/messages", content=raw, headers=JSON, timeout=300)
    assert response.status_code == 200, response.text[:1000]
    assert len(response.json()["messages"]) == MAX_DESTINATIONS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            destinations(ALIM, MAX_DESTINATIONS + 1, b'{"to":"821000000001"}'),
            ("messages", "a request may carry at most 100000 destinations; this one has 100001"),
        ),
        (
            b'{"messages":[' + b",".join([b"{}"] * (MAX_DESTINATIONS + 1)) + b"]}",
            ("messages", "must hold at most 100000 messages; this request has 100001"),
        ),
    ],
    ids=["destinations", "messages"],
)
async def test_one_over_the_limit_is_the_same_violation_as_before(
    client: httpx.AsyncClient, raw: bytes, expected: tuple[str, str]
) -> None:
    for path in ("/kakao-alim/1/messages", "/kakao-chingu/1/messages", "/kakao/1/bulks/plan"):
        assert violations(api_error(await client.post(path, content=raw, headers=JSON), 400)) == [expected]
    sangdam = raw.replace(ALIM, SANGDAM)
    answer = api_error(await client.post("/kakao-sangdam/1/messages", content=sangdam, headers=JSON), 400)
    assert violations(answer) == [expected]


# --- large bodies are validated as small ones are ---------------------------------------------------------------------


async def test_a_large_body_names_its_violations_as_a_small_one_does(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    many = [{"to": "821000000001"}] * 20_000
    many[15_000] = {"to": "821000000001", "messageId": "m" * 201}
    body = alim_body(message={"destinations": many})
    body["messages"].append({**body["messages"][0], "destinations": [{"to": "1"}], "sender": 5})
    raw = json.dumps(body).encode()
    assert len(raw) > 256 * 1024
    answer = api_error(await client.post("/kakao-alim/1/messages", content=raw, headers=JSON), 400)
    assert {p for p, _ in violations(answer)} == {"messages[0].destinations[15000].messageId", "messages[1].sender"}


async def test_many_large_messages_are_validated_in_pieces(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    message = alim_body("821000000001")["messages"][0]
    messages = [message] * 5000
    messages[4321] = {**message, "content": {**message["content"], "text": "x" * 1001}}
    raw = json.dumps({"messages": messages, "options": {"priority": "URGENT"}}).encode()
    answer = api_error(await client.post("/kakao-alim/1/messages", content=raw, headers=JSON), 400)
    assert {p for p, _ in violations(answer)} == {"messages[4321].content.text", "options.priority"}


async def test_a_large_body_that_is_not_json_or_holds_a_nul_is_a_400(client: httpx.AsyncClient) -> None:
    broken = destinations(ALIM, 30_000, b'{"to":"821000000001"}')[:-3]
    answer = api_error(await client.post("/kakao-alim/1/messages", content=broken, headers=JSON), 400)
    assert violations(answer)[0][1].startswith("request body is not valid JSON")
    nul = destinations(ALIM, 30_000, b'{"to":"821000000001"}').replace(b'"text":"x"', b'"text":"a\\u0000b"')
    answer = api_error(await client.post("/kakao-alim/1/messages", content=nul, headers=JSON), 400)
    assert [p for p, _ in violations(answer)] == ["messages[0].content.text"]


async def test_an_ignored_member_cannot_carry_millions_of_items(client: httpx.AsyncClient) -> None:
    raw = destinations(ALIM, 1, b'{"to":"821000000001"}')[:-1] + b',"extra":[' + b",".join([b"[0]"] * 200_000) + b"]}"
    answer = api_error(await client.post("/kakao-alim/1/messages", content=raw, headers=JSON), 400)
    [(path, violation)] = violations(answer)
    assert path == "extra"
    assert violation.startswith("must hold at most 100000 items; this one has at least ")


# --- per-route byte limits --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "limit"),
    [
        ("PUT", "/kakao/1/bulks/status?bulkId=b", 16 * 1024),
        ("PUT", "/kakao/1/bulks/speed?bulkId=b", 16 * 1024),
        ("PUT", "/kakao/1/sangdam/settings", 16 * 1024),
        ("PUT", "/kakao/1/brand-settings", 16 * 1024),
        ("PUT", "/kakao/1/sangdam/keywords", 604_000),
        ("POST", "/kakao-alim/1/templates", 256 * 1024),
        ("POST", "/kakao-alim/1/messages", 64 * 1024 * 1024),
    ],
)
async def test_each_route_reads_at_most_its_own_byte_limit(
    client: httpx.AsyncClient, method: str, path: str, limit: int
) -> None:
    headers = {**JSON, "Content-Length": str(limit + 1)}
    answer = api_error(await client.request(method, path, content=b"{}", headers=headers), 413)
    assert violations(answer) == [("", f"the body must be at most {limit} bytes")]
    if limit > 1024 * 1024:
        return
    padded = b'{"status": "PAUSED"' + b" " * (limit + 1) + b"}"  # and without a Content-Length
    answer = api_error(await client.request(method, path, content=padded, headers=JSON), 413)
    assert violations(answer) == [("", f"the body must be at most {limit} bytes")]


async def test_a_large_body_nested_deeper_than_the_parser_allows_is_a_400(client: httpx.AsyncClient) -> None:
    depth = 1_000_000
    raw = b'{"messages":[' + b'{"a":' * depth + b"1" + b"}" * depth + b"]}"
    answer = api_error(await client.post("/kakao-alim/1/messages", content=raw, headers=JSON), 400)
    assert len(answer["violations"]) == 1
