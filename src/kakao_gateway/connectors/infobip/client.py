"""An Infobip HTTP API as a connector: the send, answer mapping, throttling, duplicate protection and polling
fallback shared by the SMS (`infobip-sms://`) and Kakao (`infobip://`) upstreams. A `Product` says which endpoint
each submission goes to and how its request body is built.

Each endpoint's share of a batch is one `POST` (its `send_path`), each message under our messageId (a resend never
makes a second id), with our report webhook and callbackData naming the row and hop. The answer decides each message
at once when it can:

| answer                         | result                                                          |
|--------------------------------|-----------------------------------------------------------------|
| 2xx                            | accepted (the report comes later); a message rejected in it: final |
| 400                            | final for the messages the violations name (all if none); the rest sent again once |
| 401, 403 (and 404, 405, ...)   | temporary; the connector is unhealthy until an upstream answer succeeds |
| 429                            | temporary; no request until its Retry-After has passed           |
| 5xx, timeout, connection error | temporary                                                       |

Reports are pushed to api.upstream_reports; `poll_results` asks each endpoint's `reports_path` for those that do
not come, and sweeps it while nothing is awaited (infobip_poll): a refusal of a sweep is only logged, since the key
may lack that product.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from ..base import LateResult, Submission, SubmitResult
from ..http_answers import PROVIDER_ERROR, THROTTLED, no_answer, retry_after_ms
from ..upstreams import UpstreamDeps
from .config import InfobipConfig
from .poll import PollState
from .results import final_of
from .wire import ApiError, DeliveryReports, SendResponse, SentMessage

log = logging.getLogger(__name__)

POLL_LIMIT = 1000  # the spec's maximum per GET .../reports
_MESSAGE_INDEX = re.compile(r"^messages\[(\d+)\]")

# Accepted: its report comes pushed or polled, maybe minutes later. The engine waits for it (never past the hop's
# validity) instead of sending again after its 60 s result timeout, which would reach the handset twice.
REPORT_WAIT_MS = 48 * 3_600_000
ACCEPTED = SubmitResult("accepted", wait_ms=REPORT_WAIT_MS)
REJECTED = SubmitResult("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")


@dataclass(frozen=True, slots=True)
class Endpoint:
    send_path: str  # POST: a batch of messages
    reports_path: str  # GET: delivery reports not pushed


class Product(Protocol):
    """What differs between Infobip's APIs: which endpoint a submission goes to, and the request body."""

    label: str  # for operators: "the Infobip <label> API"
    endpoints: tuple[Endpoint, ...]  # every endpoint it sends to: each one's reports are polled

    def endpoint(self, s: Submission) -> Endpoint | None:
        """None: this upstream cannot send it (a final rejection)."""
        ...

    def request(self, batch: list[Submission], webhook_url: str) -> bytes:
        """The body of one send to the batch's (single) endpoint."""
        ...


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str  # where the upstream pushes this connector's reports
    token: str  # the secret in it, by which the webhook finds this connector


class InfobipConnector:
    def __init__(
        self, config: InfobipConfig, deps: UpstreamDeps, name: str, product: Product, webhook: Webhook
    ) -> None:
        self.route = deps.route
        self.name = name
        self.report_token = webhook.token
        self._webhook = webhook.url
        self._config = config
        self._deps = deps
        self._product = product
        started = deps.clock.now_ms()
        self._polls = {e: PollState(config.poll_after_ms, started) for e in product.endpoints}
        self._throttled_until = 0
        self._problem: str | None = None  # why the upstream cannot be used now (health)
        self._last_error: str | None = None
        self._http = self._client()

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self._config.base_url,
            transport=self._deps.transport,
            timeout=httpx.Timeout(self._config.timeout_s),
            headers={"Authorization": f"App {self._config.api_key}", "User-Agent": "kakao-gateway"},
            trust_env=self._config.trust_env,
        )

    async def start(self) -> None:
        if self._http.is_closed:
            self._http = self._client()

    async def close(self) -> None:
        await self._http.aclose()

    def health(self) -> dict[str, Any]:
        waiting = sum(len(p.waiting) for p in self._polls.values())
        body: dict[str, Any] = {"ok": self._problem is None, "upstream": self.name, "waiting": waiting}
        if self._problem is not None:
            body["error"] = self._problem
        if self._last_error is not None:
            body["lastError"] = self._last_error
        if self._throttled_until > self._deps.clock.now_ms():
            body["throttledUntilMs"] = self._throttled_until
        return body

    def reported(self, seqs: list[int]) -> None:
        """Reports for these rows were pushed to us: no need to poll for them."""
        for poll in self._polls.values():
            poll.settled(seqs)

    def _poll(self, endpoint: Endpoint) -> PollState:
        poll = self._polls.get(endpoint)
        if poll is None:  # a product that sends where it did not say it would: still polled, from now on
            poll = self._polls[endpoint] = PollState(self._config.poll_after_ms, self._deps.clock.now_ms())
        return poll

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        if now < self._throttled_until:
            return [THROTTLED] * len(batch)
        results: list[SubmitResult | None] = [None] * len(batch)
        fresh: dict[Endpoint, list[int]] = {}
        for i, s in enumerate(batch):
            endpoint = self._product.endpoint(s)
            if endpoint is None:
                log.error("route %s got a %s message %s it cannot send", self.route, s.channel, s.message_id)
                results[i] = REJECTED
            elif self._poll(endpoint).is_waiting(s.seq, s.hop):
                results[i] = ACCEPTED  # the upstream has it and its report is awaited: never a second message
            else:
                fresh.setdefault(endpoint, []).append(i)
        for endpoint, indexes in fresh.items():
            sent = await self._send(endpoint, [batch[i] for i in indexes], now, split_on_400=True)
            for i, result in zip(indexes, sent, strict=True):
                results[i] = result
        return [r if r is not None else PROVIDER_ERROR for r in results]

    async def _send(
        self, endpoint: Endpoint, batch: list[Submission], now: int, split_on_400: bool
    ) -> list[SubmitResult]:
        if now < self._throttled_until:  # an earlier endpoint's answer of this batch was a 429
            return [THROTTLED] * len(batch)
        try:
            response = await self._http.post(
                endpoint.send_path,
                content=self._product.request(batch, self._webhook),
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            result, self._last_error = no_answer(self.route, exc, self._config.timeout_s, len(batch))
            return [result] * len(batch)
        if response.status_code == 400:
            return await self._rejected(endpoint, batch, response, now, split_on_400)
        return self._answered(endpoint, batch, response, now)

    def _answered(
        self, endpoint: Endpoint, batch: list[Submission], response: httpx.Response, now: int
    ) -> list[SubmitResult]:
        code = response.status_code
        if 200 <= code < 300:
            self._problem = None
            return self._accepted(endpoint, batch, response, now)
        self._last_error = f"HTTP {code} to a send"
        if code == 429:
            self._throttled_until = now + retry_after_ms(response.headers.get("retry-after"), now)
            log.warning("route %s throttles us until %d", self.route, self._throttled_until)
            return [THROTTLED] * len(batch)
        if code >= 500:
            log.warning("route %s answered HTTP %d to a send of %d messages", self.route, code, len(batch))
            return [PROVIDER_ERROR] * len(batch)
        self._refused(code)
        return [PROVIDER_ERROR] * len(batch)

    def _refused(self, code: int) -> None:
        """A 4xx no message is to blame for: our configuration is wrong; messages wait until it is fixed."""
        label = self._product.label
        why = "refused the API key" if code in (401, 403) else f"does not serve the Infobip {label} API here"
        self._problem = f"{self.name} {why} (HTTP {code})"
        log.error("route %s: %s; messages wait", self.route, self._problem)

    def _accepted(
        self, endpoint: Endpoint, batch: list[Submission], response: httpx.Response, now: int
    ) -> list[SubmitResult]:
        try:
            answer = SendResponse.model_validate_json(response.content)
        except ValidationError:
            log.warning("route %s answered a send with a body we cannot read; awaiting reports", self.route)
            answer = SendResponse()
        results: list[SubmitResult] = []
        for s, sent in zip(batch, _answers_in_order(batch, answer), strict=True):
            final = final_of(sent.status, None) if sent is not None and sent.status is not None else None
            if final is not None and not _duplicate_of_ours(s, final.status):
                results.append(SubmitResult("final", final.status, final.error))
                continue
            self._poll(endpoint).sent(s.seq, s.message_id, s.hop, now)
            results.append(ACCEPTED)
        return results

    async def _rejected(
        self, endpoint: Endpoint, batch: list[Submission], response: httpx.Response, now: int, split: bool
    ) -> list[SubmitResult]:
        problems = _violations(response)
        log.warning("route %s refused a send of %d messages: %s", self.route, len(batch), "; ".join(problems))
        named = {int(m.group(1)) for p in problems if (m := _MESSAGE_INDEX.match(p))}
        blamed = {i for i in named if i < len(batch)}
        if not split or not blamed or len(blamed) == len(batch):
            return [REJECTED] * len(batch)
        others = [s for i, s in enumerate(batch) if i not in blamed]
        again = iter(await self._send(endpoint, others, now, split_on_400=False))
        return [REJECTED if i in blamed else next(again) for i in range(len(batch))]

    async def poll_results(self, now: int) -> list[LateResult]:
        results: list[LateResult] = []
        for endpoint, poll in list(self._polls.items()):
            if now < self._throttled_until:
                break
            if poll.due(now):
                results.extend(await self._poll_reports(endpoint.reports_path, poll, now))
        return results

    async def _poll_reports(self, path: str, poll: PollState, now: int) -> list[LateResult]:
        sweep = poll.idle()
        try:
            response = await self._http.get(path, params={"limit": POLL_LIMIT})
        except httpx.HTTPError as exc:
            self._last_error = f"polling reports: {type(exc).__name__}"
            poll.failed(now)
            return []
        if not 200 <= response.status_code < 300:
            self._last_error = f"HTTP {response.status_code} to a reports poll"
            if response.status_code == 429:
                self._throttled_until = now + retry_after_ms(response.headers.get("retry-after"), now)
            elif sweep and 400 <= response.status_code < 500:
                # A product this key may not have (Brand, Sangdam), or no reports endpoint: sends are not affected.
                log.warning("route %s: sweeping %s answered HTTP %d", self.route, path, response.status_code)
            elif 400 <= response.status_code < 500:
                self._refused(response.status_code)
            poll.failed(now)
            return []
        self._problem = None
        try:
            reports = DeliveryReports.model_validate_json(response.content).results
        except ValidationError:
            log.warning("route %s answered a reports poll with a body we cannot read", self.route)
            poll.failed(now)
            return []
        return poll.polled(reports, now, more=len(reports) >= POLL_LIMIT)


def _answers_in_order(batch: list[Submission], answer: SendResponse) -> list[SentMessage | None]:
    """The answer for each submission: Infobip answers in request order; when it did not, matched by messageId."""
    if [m.messageId for m in answer.messages] == [s.message_id for s in batch]:
        return list(answer.messages)
    by_id = {m.messageId: m for m in answer.messages if m.messageId is not None}
    return [by_id.get(s.message_id) for s in batch]


def _duplicate_of_ours(s: Submission, status: str) -> bool:
    """A resend refused as a duplicate messageId: the first send got through (its answer was lost), so its report
    is awaited rather than the message failed."""
    return status == "REJECTED_DUPLICATE_MESSAGE_ID" and s.attempt > 1


def _violations(response: httpx.Response) -> list[str]:
    try:
        error = ApiError.model_validate_json(response.content)
    except ValidationError:
        return [response.text[:300]]
    found = [f"{v.property or ''}: {v.violation or ''}" for v in error.violations]
    return found or [error.description or "no violations given"]
