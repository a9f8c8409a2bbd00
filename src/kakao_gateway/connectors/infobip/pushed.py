"""What Infobip pushes to our webhooks, read into the gateway's terms: delivery reports (SMS and Kakao share the
body) as late results, and Sangdam users' messages (a KakaoSangdamInboundResponse) as PushedMessage."""

from __future__ import annotations

import logging

from ..base import LateResult
from ..provider import PushedMessage
from .kakao_wire import InboundMessage, InboundMessages
from .results import late_result
from .wire import DeliveryReports, parse_callback_data

log = logging.getLogger(__name__)


def read_reports(body: DeliveryReports) -> list[LateResult]:
    """The final results of a push; a report that is not final (ACCEPTED, PENDING) says nothing and is left out, one
    we cannot use otherwise is logged."""
    results = []
    for report in body.results:
        result = late_result(report)
        if result is None:
            if report.status.groupName not in ("ACCEPTED", "PENDING"):
                log.warning("Infobip pushed a report we cannot use for %s", report.messageId)
            continue
        results.append(result)
    return results


def read_inbound(body: InboundMessages) -> list[PushedMessage]:
    return [_pushed(m) for m in body.results]


def _pushed(m: InboundMessage) -> PushedMessage:
    c = m.message
    return PushedMessage(
        channel=m.to,
        user=m.sender,
        upstream_id=m.messageId,
        type=c.type,
        text=c.text,
        url=c.url,
        given=c.model_dump(include={"sentAt", "urlsDetails", "attachmentUrl", "extra"}, exclude_none=True),
        paired_id=m.pairedMessageId,
        callback_data=m.callbackData,
        echoes_ours=parse_callback_data(m.callbackData) is not None,
    )
