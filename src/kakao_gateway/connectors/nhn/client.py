"""NHN Cloud KakaoTalk Bizmessage over HTTP: the requests we make, one method each, answers parsed leniently.

Paths (NHN's public API guides): AlimTalk v2.3 and Brand Message v1.0, every request with the sender's `X-Secret-Key`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from .config import NhnConfig
from .mapping import NhnCredentials, kst_minute

ALIM = "/alimtalk/v2.3/appkeys/{app_key}"
BRAND = "/brand-message/v1.0/appkeys/{app_key}"
PAGE_SIZE = 1000  # the largest page NHN serves


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: its status, NHN's header (`resultCode`, `isSuccessful`) and body; `retry_after` for a 429."""

    http_status: int
    body: dict[str, Any]
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.http_status < 300 and bool(self._header.get("isSuccessful"))

    @property
    def result_code(self) -> int | None:
        code = self._header.get("resultCode")
        return code if isinstance(code, int) else None

    @property
    def result_message(self) -> str:
        return str(self._header.get("resultMessage") or "")[:300]

    @property
    def _header(self) -> dict[str, Any]:
        header = self.body.get("header")
        return header if isinstance(header, dict) else {}


def base_path(channel: str, app_key: str) -> str:
    return (BRAND if channel == "BRAND" else ALIM).format(app_key=app_key)


class NhnClient:
    def __init__(self, config: NhnConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._config = config
        self._transport = transport
        self._http = self._client()

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self._config.base_url,
            transport=self._transport,
            timeout=httpx.Timeout(self._config.timeout_s),
            headers={"User-Agent": "kakao-gateway", "Content-Type": "application/json;charset=UTF-8"},
            trust_env=self._config.trust_env,
        )

    async def open(self) -> None:
        if self._http.is_closed:
            self._http = self._client()

    async def close(self) -> None:
        await self._http.aclose()

    async def send_alim(self, creds: NhnCredentials, body: dict[str, Any]) -> Answer:
        return await self._call("POST", f"{base_path('ALIM', creds.app_key)}/raw-messages", creds, json=body)

    async def send_brand(self, creds: NhnCredentials, body: dict[str, Any]) -> Answer:
        return await self._call("POST", f"{base_path('BRAND', creds.app_key)}/freestyle-messages", creds, json=body)

    async def result(self, creds: NhnCredentials, channel: str, request_id: str, recipient_seq: int) -> Answer:
        path = f"{base_path(channel, creds.app_key)}/messages/{request_id}/{recipient_seq}"
        return await self._call("GET", path, creds)

    async def request_results(self, creds: NhnCredentials, channel: str, request_id: str, page_size: int) -> Answer:
        """The recipients of one send request, with their results (the first `page_size`)."""
        params = {"requestId": request_id, "pageNum": 1, "pageSize": page_size}
        return await self._call("GET", f"{base_path(channel, creds.app_key)}/messages", creds, params=params)

    async def find(
        self, creds: NhnCredentials, channel: str, grouping_key: str, recipient_no: str, since_ms: int, now_ms: int
    ) -> Answer:
        """Sends of one recipient under our grouping key (our messageId) requested in [since, now]."""
        params = {
            "startRequestDate": kst_minute(since_ms - 60_000),
            "endRequestDate": kst_minute(now_ms + 60_000),
            "senderKey": creds.sender_key,
            "recipientNo": recipient_no,
            "recipientGroupingKey": grouping_key,
            "pageSize": 100,
        }
        return await self._call("GET", f"{base_path(channel, creds.app_key)}/messages", creds, params=params)

    async def templates(self, creds: NhnCredentials, page: int) -> Answer:
        path = f"{base_path('ALIM', creds.app_key)}/senders/{creds.sender_key}/templates"
        return await self._call("GET", path, creds, params={"pageNum": page, "pageSize": PAGE_SIZE})

    async def _call(self, method: str, path: str, creds: NhnCredentials, **kwargs: Any) -> Answer:
        """Raises httpx.HTTPError (httpx.TimeoutException for a timeout); any HTTP answer is returned."""
        response = await self._http.request(method, path, headers={"X-Secret-Key": creds.secret_key}, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = {}
        return Answer(response.status_code, body if isinstance(body, dict) else {}, response.headers.get("retry-after"))
