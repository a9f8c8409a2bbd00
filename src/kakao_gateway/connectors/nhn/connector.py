"""NHN Cloud KakaoTalk Bizmessage upstream (`nhn://HOST`): Alim and Brand messages, results by NHN's result query.

Alim messages of one sender and template go in `raw-messages` requests of at most 1,000 recipients (the full text
we checked at accept); Brand messages one `freestyle-messages` request each. Every recipient carries our messageId
as its `recipientGroupingKey`. The connector is accepted-then-polled, with backoff: an Alim request's recipients are
listed with one query (`GET .../messages?requestId=`, one page of 1,000), a Brand request's one recipient is asked
for by `GET .../messages/{requestId}/{recipientSeq}`; results are mapped by `domain.nhn.delivery_outcome`.

| answer to a send                          | result                                                     |
|-------------------------------------------|------------------------------------------------------------|
| recipient resultCode 0                    | accepted; the result is polled                             |
| recipient resultCode < 0                  | final, by `domain.nhn.SEND_CODES` (else EC_BAD_REQUEST)     |
| header -1000/-1001, HTTP 401/403          | temporary; unhealthy until an answer succeeds              |
| HTTP 429                                  | temporary; no request until its Retry-After has passed     |
| 5xx, timeout, connection error            | temporary                                                  |

No second message: NHN's AlimTalk idempotency key lasts 10 minutes and its Brand API has none, so a message sent
again (attempt > 1: after a timeout, a temporary result, or a crash between the send and its record) is first
looked up by its messageId (`GET .../messages?recipientGroupingKey=`). A send found that has not failed is adopted
(its result is polled); only when none is found, or the one found failed, is the message sent again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ..base import Connector, LateResult, Submission, SubmitResult
from ..http_answers import PROVIDER_ERROR, THROTTLED, TIMED_OUT, no_answer, retry_after_ms
from ..upstreams import UpstreamDeps, UpstreamUrl
from . import mapping as nhn
from .client import Answer, NhnClient
from .config import NhnConfig, config_of
from .mapping import NhnCredentials
from .poll import PollState, Waiting

log = logging.getLogger(__name__)

CredentialLookup = Callable[[str, str], Awaitable[NhnCredentials | None]]
MAX_RECIPIENTS = 1_000  # per send request, NHN's limit; also the list query's largest page
ROWS_PER_ROUND = 20_000  # awaited results looked at per poll_results call
QUERIES_PER_ROUND = 200  # result queries per poll_results call: a backlog is worked off over several rounds

ABROAD = SubmitResult("final", "REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS")  # Korean numbers only
NOT_CONFIGURED = SubmitResult("final", "REJECTED_SENDER", "EC_CONFIGURATION_ERROR")
CANNOT_SEND = SubmitResult("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")


def connect(url: UpstreamUrl, deps: UpstreamDeps) -> NhnConnector:
    return NhnConnector(config_of(url), deps, url.redacted)


def attach_credentials(connector: Connector, lookup: CredentialLookup) -> None:
    """The gateway gives an NHN connector its way to the senders' credentials (other connectors need none)."""
    if isinstance(connector, NhnConnector):
        connector.credentials = lookup


class NhnConnector:
    def __init__(
        self, config: NhnConfig, deps: UpstreamDeps, name: str, credentials: CredentialLookup | None = None
    ) -> None:
        self.route = deps.route
        self.name = name
        self.credentials = credentials
        self._config = config
        self._deps = deps
        self._client = NhnClient(config, deps.transport)
        self._poll = PollState(config.poll_after_ms)
        self._accepted = SubmitResult("accepted", wait_ms=config.result_wait_ms)
        self._throttled_until = 0
        self._problem: str | None = None
        self._last_error: str | None = None

    async def start(self) -> None:
        await self._client.open()

    async def close(self) -> None:
        await self._client.close()

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self._problem is None, "upstream": self.name, "waiting": len(self._poll.waiting)}
        if self._problem is not None:
            body["error"] = self._problem
        if self._last_error is not None:
            body["lastError"] = self._last_error
        if self._throttled_until > self._deps.clock.now_ms():
            body["throttledUntilMs"] = self._throttled_until
        return body

    # --- submit ----------------------------------------------------------------------------------------------------

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        if now < self._throttled_until:
            return [THROTTLED] * len(batch)
        results: list[SubmitResult | None] = [None] * len(batch)
        alim: dict[tuple[NhnCredentials, str], list[int]] = {}
        creds_of = await self._credentials(batch)
        for i, s in enumerate(batch):
            creds = creds_of.get((s.account_id, s.sender))
            early = await self._before_send(s, creds, now)
            if early is not None or creds is None:
                results[i] = early or NOT_CONFIGURED
            elif s.channel == "ALIM":
                alim.setdefault((creds, str(s.content.get("templateCode"))), []).append(i)
            else:
                results[i] = (await self._send(creds, "BRAND", [s], now))[0]
        for (creds, _), indexes in alim.items():
            for start in range(0, len(indexes), MAX_RECIPIENTS):
                chunk = indexes[start : start + MAX_RECIPIENTS]
                sent = await self._send(creds, "ALIM", [batch[i] for i in chunk], now)
                for i, result in zip(chunk, sent, strict=True):
                    results[i] = result
        return [r if r is not None else PROVIDER_ERROR for r in results]

    async def _credentials(self, batch: list[Submission]) -> dict[tuple[str, str], NhnCredentials | None]:
        found: dict[tuple[str, str], NhnCredentials | None] = {}
        for s in batch:
            key = (s.account_id, s.sender)
            if key not in found:
                found[key] = await self.credentials(*key) if self.credentials is not None else None
                if found[key] is None:
                    log.error("route %s: sender %s of account %s has no NHN credentials", self.route, *key[::-1])
        return found

    async def _before_send(self, s: Submission, creds: NhnCredentials | None, now: int) -> SubmitResult | None:
        """An answer without sending: awaited already, cannot be sent, or found sent before; None: send it."""
        if self._poll.is_waiting(s.seq, s.hop):
            return self._accepted  # NHN has it and its result is awaited: never a second message
        if creds is None:
            return NOT_CONFIGURED
        if s.channel not in ("ALIM", "BRAND") or _problems(s):
            log.error("route %s cannot send %s message %s: %s", self.route, s.channel, s.message_id, _problems(s))
            return CANNOT_SEND
        if nhn.national_number(s.destination) is None:
            return ABROAD
        if s.attempt > 1:
            return await self._find_earlier(s, creds, now)
        return None

    async def _find_earlier(self, s: Submission, creds: NhnCredentials, now: int) -> SubmitResult | None:
        recipient = nhn.national_number(s.destination) or s.destination
        try:
            answer = await self._client.find(
                creds, s.channel, nhn.grouping_key(s.message_id), recipient, s.first_attempt_at, now
            )
        except httpx.HTTPError as exc:
            self._last_error = f"looking up an earlier send: {type(exc).__name__}"
            return TIMED_OUT if isinstance(exc, httpx.TimeoutException) else PROVIDER_ERROR
        if not answer.ok:
            return self._refused(answer, now, "a lookup")
        for found in _listed(answer):
            if found.get("messageStatus") in ("FAILED", "CANCEL") or not found.get("requestId"):
                continue
            log.info(
                "route %s: message %s was sent before (request %s); awaiting its result",
                self.route,
                s.message_id,
                found["requestId"],
            )
            self._poll.sent(
                s.seq, s.hop, s.channel, found["requestId"], int(found.get("recipientSeq") or 1), creds, now
            )
            return self._accepted
        return None

    async def _send(self, creds: NhnCredentials, channel: str, batch: list[Submission], now: int) -> list[SubmitResult]:
        if now < self._throttled_until:  # an earlier request of this batch was answered 429
            return [THROTTLED] * len(batch)
        try:
            if channel == "ALIM":
                recipients = [nhn.alim_recipient(s.content, s.destination, s.message_id) for s in batch]
                body = nhn.alim_request(creds.sender_key, str(batch[0].content["templateCode"]), recipients)
                answer = await self._client.send_alim(creds, body)
            else:
                s = batch[0]
                body = nhn.brand_request(creds.sender_key, s.content, s.destination, s.message_id, s.audience)
                answer = await self._client.send_brand(creds, body)
        except httpx.HTTPError as exc:
            result, self._last_error = no_answer(self.route, exc, self._config.timeout_s, len(batch))
            return [result] * len(batch)
        if not answer.ok:
            return [self._refused(answer, now, "a send", rejected=True)] * len(batch)
        self._problem = None
        return self._accepted_all(creds, channel, batch, answer, now)

    def _accepted_all(
        self, creds: NhnCredentials, channel: str, batch: list[Submission], answer: Answer, now: int
    ) -> list[SubmitResult]:
        message = answer.body.get("message") or {}
        request_id = str(message.get("requestId") or "")
        by_seq = {int(r.get("recipientSeq") or 0): r for r in message.get("sendResults") or []}
        results = []
        for position, s in enumerate(batch, start=1):
            sent = by_seq.get(position, {})
            code = sent.get("resultCode")
            outcome = nhn.send_outcome(code if isinstance(code, int) else 0)
            if outcome.kind == "pending" and request_id:
                self._poll.sent(s.seq, s.hop, channel, request_id, position, creds, now)
                results.append(self._accepted)
            else:
                log.warning(
                    "route %s refused message %s: resultCode %s %s",
                    self.route,
                    s.message_id,
                    code,
                    str(sent.get("resultMessage") or "")[:200],
                )
                results.append(
                    SubmitResult("final", outcome.status, outcome.error) if outcome.kind == "final" else PROVIDER_ERROR
                )
        return results

    def _refused(self, answer: Answer, now: int, what: str, rejected: bool = False) -> SubmitResult:
        """An answer that is not a success: throttled, our configuration, NHN's trouble, or (a send's) a refusal."""
        code, status = answer.result_code, answer.http_status
        self._last_error = f"HTTP {status}, resultCode {code} to {what}"
        if status == 429:
            self._throttled_until = now + retry_after_ms(answer.retry_after, now)
            log.warning("route %s throttles us until %d", self.route, self._throttled_until)
            return THROTTLED
        if status in (401, 403) or code in nhn.AUTH_CODES:
            self._problem = f"{self.name} refused the app key or secret key (HTTP {status}, resultCode {code})"
            log.error("route %s: %s; messages wait", self.route, self._problem)
            return PROVIDER_ERROR
        if status >= 500 or not rejected:
            log.warning("route %s answered %s: %s", self.route, self._last_error, answer.result_message)
            return PROVIDER_ERROR
        outcome = nhn.send_outcome(code if code is not None and code != 0 else -1)
        log.warning("route %s refused a send: resultCode %s %s", self.route, code, answer.result_message)
        return SubmitResult("final", outcome.status, outcome.error)

    # --- results ---------------------------------------------------------------------------------------------------

    async def poll_results(self, now: int) -> list[LateResult]:
        if now < self._throttled_until:
            return []
        by_request: dict[tuple[str, NhnCredentials, str], list[Waiting]] = defaultdict(list)
        for w in self._poll.due(now, ROWS_PER_ROUND):
            by_request[(w.channel, w.creds, w.request_id)].append(w)
        results: list[LateResult] = []
        for (channel, creds, request_id), recipients in list(by_request.items())[:QUERIES_PER_ROUND]:
            results.extend(await self._poll_request(channel, creds, request_id, recipients, now))
            if now < self._throttled_until:
                break
        return results

    async def _poll_request(
        self, channel: str, creds: NhnCredentials, request_id: str, waiting: list[Waiting], now: int
    ) -> list[LateResult]:
        """The results of one send request's awaited recipients, from one query."""
        try:
            answer, listed = await self._query(channel, creds, request_id, waiting)
        except httpx.HTTPError as exc:
            self._last_error = f"result query: {type(exc).__name__}"
            self._poll.later_all(waiting, now)
            return []
        if not answer.ok:
            self._refused(answer, now, "a result query")
            self._poll.later_all(waiting, now)
            return []
        self._problem = None
        results = []
        for w in waiting:
            result = self._result_of(w, listed.get(w.recipient_seq), now)
            if result is not None:
                results.append(result)
        return results

    async def _query(
        self, channel: str, creds: NhnCredentials, request_id: str, waiting: list[Waiting]
    ) -> tuple[Answer, dict[int, dict[str, Any]]]:
        """NHN's answer and the messages it gives by recipientSeq. An Alim request is listed whole (AlimTalk's list
        query by requestId); a Brand request has one recipient, asked for by Brand's single-message query."""
        if channel == "ALIM":
            answer = await self._client.request_results(creds, channel, request_id, MAX_RECIPIENTS)
            listed = [(_recipient_seq(m, request_id), m) for m in _listed(answer)]
            return answer, {seq: m for seq, m in listed if seq is not None}
        recipient_seq = waiting[0].recipient_seq
        answer = await self._client.result(creds, channel, request_id, recipient_seq)
        message = answer.body.get("message")
        return answer, {recipient_seq: message} if isinstance(message, dict) else {}

    def _result_of(self, waiting: Waiting, message: dict[str, Any] | None, now: int) -> LateResult | None:
        """The result NHN lists for an awaited recipient; None (asked again later) while it has none."""
        message = message or {}
        status, code = message.get("messageStatus"), message.get("resultCode")
        code = str(code) if code is not None else None
        outcome = nhn.delivery_outcome(status, code)
        if outcome.kind == "pending":
            self._poll.later(waiting, now)
            return None
        if status == "FAILED" and not nhn.is_known_code(code):
            log.warning(
                "route %s: unknown NHN result code %r (%s) for row %d",
                self.route,
                code,
                str(message.get("resultCodeName") or "")[:100],
                waiting.seq,
            )
        self._poll.done(waiting.seq)
        return LateResult(waiting.seq, outcome.kind, outcome.status, outcome.error, waiting.hop)


def _recipient_seq(message: dict[str, Any], request_id: str) -> int | None:
    """The recipientSeq of a listed message of this request (None: another request's, or no usable seq)."""
    seq = message.get("recipientSeq")
    if str(message.get("requestId") or "") != request_id or isinstance(seq, bool):
        return None
    if isinstance(seq, int) or (isinstance(seq, str) and seq.isdigit()):
        return int(seq)
    return None


def _listed(answer: Answer) -> list[dict[str, Any]]:
    """The messages of a list query's answer (the AlimTalk and Brand APIs name its body differently)."""
    listing = answer.body.get("messageSearchResultResponse") or answer.body.get("messageSearchResult") or {}
    messages = listing.get("messages") if isinstance(listing, dict) else None
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _problems(s: Submission) -> list[str]:
    if s.channel == "ALIM":
        return nhn.alim_problems(s.content)
    return nhn.brand_problems(s.content)
