"""Phone numbers as people type them: every valid Korean mobile, in each form people write it, converts to the one
international number the API uses; and every valid Korean mobile is a destination the API accepts."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneMetadata, PhoneNumberFormat, PhoneNumberType

from kakao_gateway.domain.korean_numbers import meant, to_international
from kakao_gateway.domain.phone import is_valid_destination


def _kr_mobile_pattern() -> str:
    metadata = PhoneMetadata.metadata_for_region("KR")
    assert metadata is not None and metadata.mobile is not None and metadata.mobile.national_number_pattern
    return metadata.mobile.national_number_pattern


# National numbers phonenumbers' own KR mobile pattern describes (`1012345678`, `112345678`, …)
national_mobiles = st.from_regex(re.compile(_kr_mobile_pattern(), re.ASCII), fullmatch=True)


def _valid_kr_mobile(national: str) -> phonenumbers.PhoneNumber:
    number = phonenumbers.parse("+82" + national)
    assume(phonenumbers.is_valid_number(number))
    assume(phonenumbers.number_type(number) in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE))
    return number


def typed_forms(number: phonenumbers.PhoneNumber) -> list[str]:
    """`010-1234-5678`, `01012345678`, `+82 10-1234-5678` and `82-10-1234-5678`."""
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return [national, re.sub(r"\D", "", national), international, international.lstrip("+").replace(" ", "-")]


@given(national_mobiles)
@settings(deadline=None, max_examples=500)
def test_every_valid_korean_mobile_converts_from_each_typed_form(national: str) -> None:
    number = _valid_kr_mobile(national)
    expected = "82" + national
    forms = typed_forms(number)
    assert forms[0].startswith("0") and forms[2].startswith("+82 ")
    assert {form: to_international(form) for form in forms} == dict.fromkeys(forms, expected)


@given(national_mobiles)
@settings(deadline=None, max_examples=500)
def test_every_valid_korean_mobile_is_a_destination(national: str) -> None:
    _valid_kr_mobile(national)
    assert is_valid_destination("82" + national)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
@settings(deadline=None, max_examples=500)
def test_every_010_number_is_a_destination(rest: str) -> None:
    """The whole 010 block is mobile; phonenumbers' metadata leaves out 010-597x…599x, the API must not."""
    assert is_valid_destination("8210" + rest)
    assert to_international(f"010-{rest[:4]}-{rest[4:]}") == "8210" + rest


@pytest.mark.parametrize("to", ["821059700000", "821059801234", "821059999999", "821059751234"])
def test_010_59x_numbers_are_destinations(to: str) -> None:
    assert is_valid_destination(to)


@pytest.mark.parametrize(
    ("typed", "international"),
    [
        ("010-1234-5678", "821012345678"),
        ("01012345678", "821012345678"),
        ("+82 10-1234-5678", "821012345678"),
        ("82-10-1234-5678", "821012345678"),
        ("+82 010-1234-5678", "821012345678"),
        ("+82-10-1234-5678", "821012345678"),
        ("821012345678", "821012345678"),
        ("+821012345678", "821012345678"),
        (" 010 1234 5678 ", "821012345678"),
        ("010.1234.5678", "821012345678"),
        ("(010) 1234-5678", "821012345678"),
        ("０１０－１２３４－５６７８", "821012345678"),  # full-width, as a Korean IME may type it
        ("1012345678", "821012345678"),  # a spreadsheet dropped the leading 0
        ("011-234-5678", "82112345678"),
        ("010-5970-1234", "821059701234"),
        ("66855538125", "66855538125"),
        ("+41 79 302 67 27", "41793026727"),
    ],
)
def test_typed_forms(typed: str, international: str) -> None:
    assert to_international(typed) == international


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "010",
        "010-123",
        "010-1234-56789",
        "02-123-4567x",
        "010-CALL-NOW",
        "010-1234-5678 ext. 9",
        "+",
        "++82",
    ],
)
def test_what_is_no_number(typed: str) -> None:
    assert to_international(typed) is None


@given(st.text(max_size=20))
@settings(deadline=None)
def test_whatever_converts_is_a_destination(typed: str) -> None:
    international = to_international(typed)
    assert international is None or is_valid_destination(international)


@pytest.mark.parametrize(
    ("to", "hint"),
    [
        ("010-1234-5678", "821012345678"),
        ("01012345678", "821012345678"),
        ("+821012345678", "821012345678"),
        ("821012345678", None),
        ("12345", None),
        ("010-1234", None),
    ],
)
def test_meant(to: str, hint: str | None) -> None:
    assert meant(to) == hint
