"""The advertising labels of a Brand request's SMS failover texts, at accept: added from the account's
`adIdentity` where missing, else a 400 naming each text that lacks them; then the EUC-KR length rules, on the text
as it will be sent (domain/ad_rules.py, domain/sms.py)."""

from __future__ import annotations

from typing import Any

from ..domain.ad_rules import AdIdentity, labelled, missing_labels, missing_labels_problem
from ..domain.sms import SmsProblem, sms_text
from ..schemas.brand import BrandMessage, BrandRequest
from .errors import InvalidRequest


def identity_of(settings: dict[str, Any]) -> AdIdentity | None:
    wire = settings.get("adIdentity")
    return AdIdentity.from_wire(wire) if wire else None


def label_failovers(request: BrandRequest, identity: AdIdentity | None) -> BrandRequest:
    """The request with every smsFailover text labelled; InvalidRequest when a text lacks its labels and the account
    has no identity to add them from, or when the labelled text cannot go by SMS."""
    messages: list[BrandMessage] = []
    violations: list[tuple[str, str]] = []
    for index, m in enumerate(request.messages):
        failover = m.options.smsFailover if m.options else None
        if failover is None:
            messages.append(m)
            continue
        path = f"messages[{index}].options.smsFailover"
        text = _text_for(failover.text, identity)
        if isinstance(text, list):
            violations.append((f"{path}.text", missing_labels_problem(text)))
            continue
        south_korea = failover.regional.southKorea if failover.regional else None
        checked = sms_text(text, south_korea.title if south_korea else None)
        if isinstance(checked, SmsProblem):
            violations.append((f"{path}.{checked.field}", checked.message))
            continue
        messages.append(m if text == failover.text else _with_text(m, text))
    if violations:
        raise InvalidRequest(violations)
    return request.model_copy(update={"messages": messages})


def _text_for(text: str, identity: AdIdentity | None) -> str | list[str]:
    """The text to send, or (without an identity) the labels it lacks."""
    if identity is not None:
        return labelled(text, identity)
    missing = missing_labels(text)
    return missing or text


def _with_text(m: BrandMessage, text: str) -> BrandMessage:
    assert m.options is not None and m.options.smsFailover is not None
    failover = m.options.smsFailover.model_copy(update={"text": text})
    return m.model_copy(update={"options": m.options.model_copy(update={"smsFailover": failover})})
