"""What an account's configuration says about one send request, read in one operation: its own upstreams and SMS
sender (the `accounts` row, read once), its settings, the request's registered senders and their templates, its
custom link domains and the opt-outs of its destinations (service/intake.py reads it before the channel's checks).

Also the owners of the channels an upstream pushes users' messages to: senders joined to their accounts, in one
statement (service/upstream_inbound.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import brand_templates, catalog, opt_outs
from .links import list_domains
from .sql import Fetch, Op

TemplateKey = tuple[str, str]  # (sender, template code)


@dataclass(frozen=True, slots=True)
class Wants:
    """What a request needs to know beyond the account row and its settings."""

    senders: Sequence[str]
    alim_templates: Sequence[TemplateKey] = ()
    brand_templates: Sequence[TemplateKey] = ()
    domains: bool = False
    opt_out_destinations: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class AccountView:
    exists: bool
    kakao_upstream: str | None  # the account's own (None: the server's)
    sms_upstream: str | None
    sms_sender: str | None  # the default sender of its SMS hops
    settings: dict[str, Any]
    senders: dict[str, bool]  # the registered ones among those asked for -> Brand targeting eligibility
    alim_templates: dict[TemplateKey, catalog.AlimTemplate] = field(default_factory=dict)
    brand_templates: dict[TemplateKey, dict[str, Any] | None] = field(default_factory=dict)
    domains: set[str] = field(default_factory=set)
    opted_out: dict[str, set[str]] = field(default_factory=dict)  # destination -> senders (opt_outs.ALL_SENDERS)


def account_row(account_id: str) -> Op[Any]:
    """The account's upstreams, SMS sender and settings: one statement, by primary keys."""
    rows = yield Fetch(
        "SELECT a.kakao_upstream, a.sms_upstream, a.sms_sender, s.settings FROM accounts a "
        "LEFT JOIN account_settings s ON s.account_id = a.id WHERE a.id = ?",
        (account_id,),
    )
    return rows[0] if rows else None


def read_view(account_id: str, wants: Wants, dialect: str = "sqlite") -> Op[AccountView]:
    """Everything `wants` names, in one operation. Templates are read only for registered senders."""
    row = yield from account_row(account_id)
    senders = yield from catalog.eligible_senders(account_id, sorted(set(wants.senders)))
    alim = yield from catalog.get_templates(account_id, sorted({k for k in wants.alim_templates if k[0] in senders}))
    brand: dict[TemplateKey, dict[str, Any] | None] = {}
    for sender, code in sorted({k for k in wants.brand_templates if k[0] in senders}):
        brand[(sender, code)] = yield from brand_templates.template_for_send(account_id, code, sender)
    domains = {d for d, _ in (yield from list_domains(account_id))} if wants.domains else set()
    listed = yield from opt_outs.senders_of(account_id, wants.opt_out_destinations, dialect)
    return AccountView(
        row is not None,
        row["kakao_upstream"] if row else None,
        row["sms_upstream"] if row else None,
        row["sms_sender"] if row else None,
        json.loads(row["settings"]) if row and row["settings"] else {},
        senders,
        alim,
        brand,
        domains,
        listed,
    )


@dataclass(frozen=True, slots=True)
class SenderOwner:
    sender: str
    account_id: str
    kakao_upstream: str | None  # the account's own (None: the server's)


def sender_owners(senders: Sequence[str]) -> Op[list[SenderOwner]]:
    """Every account that registered one of these senders, with its own Kakao upstream: one statement (the
    senders by name, ix_senders_sender; their accounts by primary key)."""
    if not senders:
        return []
    marks = ",".join("?" * len(senders))
    rows = yield Fetch(
        "SELECT s.sender, s.account_id, a.kakao_upstream FROM senders s JOIN accounts a ON a.id = s.account_id "
        f"WHERE s.sender IN ({marks}) ORDER BY s.sender, s.account_id",
        tuple(senders),
    )
    return [SenderOwner(r["sender"], r["account_id"], r["kakao_upstream"]) for r in rows]
