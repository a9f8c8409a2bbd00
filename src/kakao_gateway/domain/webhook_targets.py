"""Where webhook pushes may go: the URL rules and the address policy, as pure logic (no I/O: it is given
addresses, never names to resolve).

- Only `http` and `https` URLs with a host, and no credentials in them.
- Loopback, private, link-local (cloud metadata at 169.254.169.254 among them), shared, unspecified, multicast,
  reserved and documentation addresses are refused unless private targets are allowed, in every notation a
  resolver or a URL parser accepts: `127.0.0.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`, `0.0.0.0`,
  `[::1]`, `[::ffff:127.0.0.1]`, `[::ffff:7f00:1]`, 6to4, NAT64 and Teredo forms that embed one of them, and the
  name `localhost` (with its subdomains, loopback by definition, RFC 6761).
- The default (the setting None) allows them for an account whose routes are all the sandbox, where developers
  test with local receivers, and refuses them for an account with a real upstream, its own or the server's
  (service.webhook_targets decides it per account, at accept and for every push).

The accept check (`url_problem`) sees only what the URL says; a name is checked when the push connects, on every
address it resolves to (`address_problem`), by the engine's transport.
"""

from __future__ import annotations

import ipaddress
import string
import unicodedata
from urllib.parse import unquote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_V4_REFUSED = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier NAT; Alibaba's metadata 100.100.100.200)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and broadcast 255.255.255.255
    )
)
_V6_REFUSED = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/127",  # unspecified and loopback
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local (AWS metadata fd00:ec2::254)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HEX = set(string.hexdigits)


def private_allowed(setting: bool | None, sandbox_upstream: bool) -> bool:
    """The effective policy: the setting when given, else allowed only when the account's routes are all the
    sandbox."""
    return sandbox_upstream if setting is None else setting


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress, allow_private: bool) -> str | None:
    """Why pushes may not go to this address, or None when they may."""
    if allow_private:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return f"{ip} is a scoped link-local address"
        inner = _embedded_v4(ip)
        if inner is not None:
            kind = _refused_kind(inner)
            return f"{ip} embeds {inner}, a {kind} address" if kind else None
    kind = _refused_kind(ip)
    return f"{ip} is a {kind} address" if kind else None


def _refused_kind(ip: IPAddress) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address):
        refused = any(ip in net for net in _V6_REFUSED)
    else:
        refused = any(ip in net for net in _V4_REFUSED)
    if not (refused or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved):
        return None
    if ip.is_loopback or ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _V4_REFUSED[0]):
        return "loopback or unspecified"
    if ip.is_link_local:
        return "link-local (metadata)"
    if ip.is_multicast:
        return "multicast"
    return "private or reserved"


def _v4_part(text: str) -> int | None:
    """One part of an IPv4 address as inet_aton and URL parsers read it: 0x hex, leading-zero octal, decimal."""
    if text[:2].lower() == "0x":
        digits = text[2:]
        if digits == "":
            return 0
        return int(digits, 16) if set(digits) <= _HEX else None
    if not text.isascii() or not text.isdigit():
        return None
    if len(text) > 1 and text.startswith("0"):
        return int(text, 8) if set(text) <= set("01234567") else None
    return int(text)


def _v4_literal(host: str) -> ipaddress.IPv4Address | None:
    """`host` read as an IPv4 address in any of the numeric notations (1 to 4 parts, the last filling the rest)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or any(p == "" for p in parts):
        return None
    values = [_v4_part(p) for p in parts]
    if any(v is None for v in values):
        return None
    numbers = [v for v in values if v is not None]
    *head, last = numbers
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (5 - len(numbers))):
        return None
    value = last
    for index, v in enumerate(head):
        value |= v << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def host_address(host: str) -> IPAddress | None:
    """The address a URL's host names literally (in any notation), or None when the host is a name."""
    host = unicodedata.normalize("NFKC", unquote(host)).strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.removesuffix(".")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    if host == "":
        return None
    return _v4_literal(host)


def url_problem(url: str, allow_private: bool) -> str | None:
    """Why a URL may not be a push target, from the URL alone (names are checked when the push connects)."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError:
        return "must be a valid http:// or https:// URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an http:// or https:// URL"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "must not contain credentials"
    raw_host = parts.netloc.rsplit("@", 1)[-1]
    raw_host = raw_host if raw_host.startswith("[") else raw_host.rsplit(":", 1)[0]
    if raw_host.startswith("[") and "]" in raw_host:
        raw_host = raw_host[: raw_host.index("]") + 1]
    if not raw_host or not parts.hostname:
        return "must name a host"
    if allow_private:
        return None
    name = unicodedata.normalize("NFKC", unquote(raw_host)).lower().removesuffix(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "must not name a loopback, private, link-local or metadata address: localhost is loopback"
    ip = host_address(raw_host)
    if ip is None:
        return None
    problem = address_problem(ip, allow_private)
    return f"must not name a loopback, private, link-local or metadata address: {problem}" if problem else None
