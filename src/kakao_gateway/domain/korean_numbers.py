"""Phone numbers as people type them (`010-1234-5678`, `01012345678`, `+82 10-1234-5678`, `82-10-1234-5678`) and
the international form the API and the store use (`821012345678`: country code first, no `+`, no separators).

Every human entry point (the CSV command, the console, the sandbox phone) converts with `to_international`; the API
keeps Infobip's international format and only names, in its rejection, the number a local form meant (`meant`)."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from .phone import is_valid_destination

# Digits with the separators people put between them, and an optional leading `+`. Letters (vanity numbers),
# extensions and anything else are refused: phonenumbers' own parser would quietly accept them.
_TYPED = re.compile(r"\+?\(?[0-9][0-9 ().\-]*", re.ASCII)
_NOT_DIGIT = re.compile(r"[^0-9]", re.ASCII)


def to_international(text: str) -> str | None:
    """The international number (`8210…`) a typed phone number means, or None when it means no number we send to.

    A number starting with `+` is international (`+82 010-…` too: the 0 after the country code is dropped); one
    starting with 0 is Korean (`010-1234-5678`); bare digits are international (`821012345678`, `447911123456`) or,
    when that is no valid number, Korean with its leading 0 lost, as spreadsheets do (`1012345678`)."""
    typed = unicodedata.normalize("NFKC", text).strip()  # full-width digits and hyphens from a Korean IME
    if not _TYPED.fullmatch(typed):
        return None
    digits = _NOT_DIGIT.sub("", typed)
    if typed.startswith("+"):
        return _valid(_parsed("+" + digits, None))
    if digits.startswith("0"):
        return _valid(_parsed(digits, "KR"))
    if is_valid_destination(digits):
        return digits
    return _valid(_parsed(digits, "KR"))


def meant(to: str) -> str | None:
    """For a destination the API refuses: the international number it was meant as (a local form such as
    `010-1234-5678` or `01012345678`, or `+8210…`), or None when it means no valid number or already is one."""
    international = to_international(to)
    return international if international is not None and international != to else None


def with_hint(description: str, to: str) -> str:
    """A REJECTED_DESTINATION's description, naming the international number `to` was meant as, if any."""
    international = meant(to)
    if international is None:
        return description
    return f"{description}: {to} is not in the international format, use {international}"


def _parsed(digits: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).removeprefix("+")


def _valid(international: str | None) -> str | None:
    return international if international is not None and is_valid_destination(international) else None
